package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// loadScope reads jsonData.scope: a list of strings, or one string of entries separated by
// commas or new lines (as an environment variable interpolated into a provisioning file
// gives it). An absent or empty scope means every repository. Anything malformed is an
// error naming the entry; the instance then answers nothing (see Datasource.scopeErr), so
// a typo never widens a team's data source to the whole store.
func loadScope(raw json.RawMessage) (query.Scope, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return query.Scope{}, nil
	}
	var entries []string
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return query.Scope{}, fmt.Errorf("scope is not valid JSON: %w", err)
		}
		if strings.TrimSpace(s) != "" {
			entries = strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' })
		}
	} else if err := json.Unmarshal(raw, &entries); err != nil {
		return query.Scope{}, fmt.Errorf("scope must be a list of organisations and owner/repo patterns: %w", err)
	}
	for i := range entries {
		entries[i] = strings.TrimSpace(entries[i])
	}
	return query.ParseScope(entries)
}

// scopedHealth ends the health check of a scoped instance. Deliveries name no repository
// the reader may see, so it reports when the newest in-scope run was created instead of the
// newest delivery's age, with no staleness warning: a team's repositories may be quiet for
// hours while ingest is fine.
func (d *Datasource) scopedHealth(ctx context.Context, status backend.HealthStatus, latest int, msgs []string) *backend.CheckHealthResult {
	newest, err := query.NewestRun(ctx, d.pool, d.settings.scope)
	switch {
	case err != nil:
		return healthError("cannot read workflow runs: %v", err)
	case newest == nil:
		msgs = append(msgs, "no workflow run in scope yet")
	default:
		msgs = append(msgs, fmt.Sprintf("newest run in scope created %s ago", time.Since(*newest).Round(time.Second)))
	}
	return d.healthResult(ctx, status, latest, msgs)
}

// scopeRefusal is what every query and resource of an instance with a malformed scope
// answers: the settings' problem, as the health check reports it.
func (d *Datasource) scopeRefusal() error {
	return &query.BadQueryError{Msg: "invalid data source settings: " + d.settings.scopeErr.Error() + "; fix the scope in the data source's settings"}
}

package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/version"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// CheckHealth reports, in order of severity: the database unreachable or its schema behind
// (errors), then a user wider than the reader, a standby that trails its primary past the
// threshold or hears nothing from it, the newest delivery older than the threshold or the
// status page unreachable (warnings: dashboards still work).
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if d.settings.scopeErr != nil {
		// Before the database: a malformed scope is refused whatever the store says.
		return healthError("invalid data source settings: %v", d.settings.scopeErr), nil
	}
	if err := d.pool.Ping(ctx); err != nil {
		return healthError("database unreachable at %s:%d as %s: %v", d.settings.Host, d.settings.Port, d.settings.User, err), nil
	}
	applied, err := d.appliedVersions(ctx)
	if err != nil {
		return healthError("cannot read the schema version (has `ciradar migrate` run, and may %s read it?): %v", d.settings.User, err), nil
	}
	var missing []string
	latest := 0
	for _, m := range migrations() {
		latest = max(latest, m)
		if !applied[m] {
			missing = append(missing, fmt.Sprint(m))
		}
	}
	if len(missing) > 0 {
		return healthError("database schema is behind this plugin: migrations %s are missing; run `ciradar migrate`", strings.Join(missing, ", ")), nil
	}

	msgs := []string{d.settings.scope.Describe()}
	status := backend.HealthStatusOk
	if wide, err := d.widerThanReader(ctx); err != nil {
		return healthError("cannot read the privileges of %s: %v", d.settings.User, err), nil
	} else if wide != "" {
		status = backend.HealthStatusUnknown
		msgs = append(msgs, fmt.Sprintf("user %s can %s: connect as the read-only role ciradar_reader instead", d.settings.User, wide))
	}
	if rep, err := d.readReplica(ctx); err != nil {
		return healthError("cannot read the replication state: %v", err), nil
	} else if rep.standby {
		if stale := rep.stale(d.settings.ReplicaLag()); stale != "" {
			status = backend.HealthStatusUnknown
			msgs = append(msgs, stale+"; queries answer with an error until it catches up")
		} else {
			msgs = append(msgs, fmt.Sprintf("reading from a hot standby, its data %s old by the primary's heartbeat", roundLag(rep.lag)))
		}
	}
	if !d.settings.scope.IsZero() {
		return d.scopedHealth(ctx, status, latest, msgs), nil
	}
	var newest *time.Time
	// The reconciler's REST API rows are not deliveries: they must not make ingest look alive.
	if err := d.pool.QueryRow(ctx, "SELECT max(received_at) FROM deliveries WHERE target_type <> $1", store.APITarget).Scan(&newest); err != nil {
		return healthError("cannot read deliveries: %v", err), nil
	}
	switch {
	case newest == nil:
		status = backend.HealthStatusUnknown
		msgs = append(msgs, "no delivery received yet: point a GitHub webhook at `ciradar serve`")
	case time.Since(*newest) > d.settings.StaleAfter():
		status = backend.HealthStatusUnknown
		msgs = append(msgs, fmt.Sprintf("newest delivery is %s old (warning past %d minutes)", time.Since(*newest).Round(time.Second), d.settings.StaleIngestMinutes))
	default:
		msgs = append(msgs, fmt.Sprintf("newest delivery %s ago", time.Since(*newest).Round(time.Second)))
	}
	return d.healthResult(ctx, status, latest, msgs), nil
}

// healthResult adds the status page's reachability to the checks so far.
func (d *Datasource) healthResult(ctx context.Context, status backend.HealthStatus, latest int, msgs []string) *backend.CheckHealthResult {
	if _, err := d.status.Summary(ctx); err != nil {
		status = backend.HealthStatusUnknown
		msgs = append(msgs, fmt.Sprintf("status page unreachable (github_status panels will fail): %v", err))
	}
	// The SDK has no "warning" status; Unknown is what Grafana shows as a yellow warning.
	return &backend.CheckHealthResult{
		Status:      status,
		Message:     fmt.Sprintf("Database connected, schema %d current; %s", latest, strings.Join(msgs, "; ")),
		JSONDetails: buildDetails(),
	}
}

// widerThanReader says what the configured user may do that the read-only role may not (see
// docs/plugin.md, "What the reader can see"), or "" when nothing. Dashboards work either
// way; the warning is for whoever gave the data source a stronger user than it needs.
func (d *Datasource) widerThanReader(ctx context.Context) (string, error) {
	var payload, temp, write bool
	err := d.pool.QueryRow(ctx, `SELECT has_column_privilege('deliveries', 'payload', 'SELECT'),
  has_database_privilege(current_database(), 'TEMPORARY'),
  has_table_privilege('deliveries', 'INSERT') OR has_schema_privilege('public', 'CREATE')`).Scan(&payload, &temp, &write)
	if err != nil {
		return "", err
	}
	var can []string
	for _, c := range []struct {
		yes  bool
		what string
	}{{payload, "read raw webhook payloads"}, {temp, "create temporary tables"}, {write, "write to the store"}} {
		if c.yes {
			can = append(can, c.what)
		}
	}
	return strings.Join(can, ", "), nil
}

func healthError(format string, args ...any) *backend.CheckHealthResult {
	return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: fmt.Sprintf(format, args...),
		JSONDetails: buildDetails()}
}

// buildDetails names the running build in every health answer, so that a support question
// can start from which gpx_ciradar a Grafana runs (Grafana returns the details with the
// check's result).
func buildDetails() []byte {
	b, _ := json.Marshal(map[string]version.Info{"build": version.Get()})
	return b
}

func (d *Datasource) appliedVersions(ctx context.Context) (map[int]bool, error) {
	rows, err := d.pool.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out[v] = true
	}
	return out, rows.Err()
}

// migrations lists the versions this plugin was built with.
func migrations() []int {
	ms, _ := store.Migrations()
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = m.Version
	}
	return out
}

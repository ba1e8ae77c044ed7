package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// GitHubURLVariable is the variable whose one value is the configured GitHub web address.
const GitHubURLVariable = "github_url"

// CallResource serves GET /variables/{name}?org=&repo= for template variables and editor
// dropdowns: a sorted JSON array of strings.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	began := time.Now()
	name, ok := strings.CutPrefix(strings.Trim(req.Path, "/"), "variables/")
	if !ok || req.Method != http.MethodGet {
		return sendJSON(sender, http.StatusNotFound, map[string]string{"error": "not found: use GET /variables/{" + strings.Join(query.VariableNames(), ",") + "," + GitHubURLVariable + "}"})
	}
	params, err := parseParams(req.URL)
	if err == nil && d.settings.scopeErr != nil {
		err = d.scopeRefusal()
	}
	if err != nil {
		return sendJSON(sender, http.StatusBadRequest, map[string]string{"error": err.Error()})
	}
	if name == GitHubURLVariable {
		// Dashboards build GitHub links from it, so that they follow the data source's
		// setting (GitHub Enterprise Server) rather than a host written into them.
		return sendJSON(sender, http.StatusOK, []string{d.settings.GitHubWebURL})
	}
	vals, err := query.Variables(ctx, d.pool, d.settings.scope, name, params.Get("org"), params.Get("repo"))
	if err != nil {
		res := d.errorResponse(ctx, "variable", began, err)
		return sendJSON(sender, int(res.Status), map[string]string{"error": res.Error.Error()})
	}
	slices.Sort(vals)
	return sendJSON(sender, http.StatusOK, vals)
}

// ResourcePaths lists every resource path CallResource serves, for tests that must cover
// them all.
func ResourcePaths() []string {
	var out []string
	for _, n := range query.VariableNames() {
		out = append(out, "variables/"+n)
	}
	return out
}

// parseParams reads the query string strictly. url.Values.Query drops a pair it cannot
// decode without a word, so "?repo=%ZZ" would list every repository: here it is refused,
// naming the parameter.
func parseParams(rawURL string) (url.Values, error) {
	raw := rawURL
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[i+1:]
	} else {
		raw = ""
	}
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	out := url.Values{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, &query.BadQueryError{Msg: "a parameter name " + quoteEcho(k) + " is not valid percent-encoding"}
		}
		if err := query.CheckText("a parameter name", key); err != nil {
			return nil, err
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, &query.BadQueryError{Msg: "parameter " + quoteEcho(key) + " is not valid percent-encoding: " + quoteEcho(v)}
		}
		if out.Has(key) {
			// Only the first would count: say so rather than pick one.
			return nil, &query.BadQueryError{Msg: "parameter " + quoteEcho(key) + " is given more than once"}
		}
		out.Set(key, val)
	}
	return out, nil
}

func quoteEcho(s string) string { return fmt.Sprintf("%q", query.Echo(s)) }

func sendJSON(sender backend.CallResourceResponseSender, code int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return sender.Send(&backend.CallResourceResponse{
		Status:  code,
		Headers: map[string][]string{"Content-Type": {"application/json"}},
		Body:    body,
	})
}

func sortStrings(s []string) { slices.Sort(s) }

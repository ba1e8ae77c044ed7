package hosttest

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/jackc/pgx/v5"
)

// settingsFor is a data source on dbURL as user, with extra jsonData on top.
func settingsFor(t *testing.T, dbURL, user string, id int64, extra map[string]any) backend.DataSourceInstanceSettings {
	t.Helper()
	u, _ := url.Parse(dbURL)
	js := map[string]any{"host": u.Query().Get("host"), "port": 5432, "database": strings.TrimPrefix(u.Path, "/"),
		"user": user, "sslmode": "disable", "statusPageUrl": "http://127.0.0.1:9/summary.json"}
	for k, v := range extra {
		js[k] = v
	}
	raw, _ := json.Marshal(js)
	return backend.DataSourceInstanceSettings{UID: "ci" + user, ID: id, Name: "CI Radar " + user, JSONData: raw, Updated: time.Now()}
}

// pluginContext is the context Grafana sends for another data source instance of the same
// plugin: the same process serves them all.
func pluginContext(s backend.DataSourceInstanceSettings) *pluginv2.PluginContext {
	return backend.ToProto().PluginContext(backend.PluginContext{OrgID: 1, PluginID: "ciradar-ciradar-datasource", DataSourceInstanceSettings: &s})
}

// send runs one query through the binary.
func send(ctx context.Context, t *testing.T, h *host, pctx *pluginv2.PluginContext, q backend.DataQuery) backend.DataResponse {
	t.Helper()
	req := &backend.QueryDataRequest{PluginContext: backend.FromProto().PluginContext(pctx), Queries: []backend.DataQuery{q}}
	res, err := h.data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		t.Fatalf("QueryData: %v", err)
	}
	resp, err := backend.FromProto().QueryDataResponse(res)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return resp.Responses[q.RefID]
}

// resource calls GET path?rawQuery through the binary.
func resource(ctx context.Context, t *testing.T, h *host, pctx *pluginv2.PluginContext, path, rawQuery string) *backend.CallResourceResponse {
	t.Helper()
	u := path
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	stream, err := h.res.CallResource(ctx, backend.ToProto().CallResourceRequest(&backend.CallResourceRequest{
		PluginContext: backend.FromProto().PluginContext(pctx), Path: path, Method: "GET", URL: u}))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	return backend.FromProto().CallResourceResponse(msg)
}

var (
	from2021 = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	to2021   = time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)
)

func dq(qt, js string) backend.DataQuery {
	return backend.DataQuery{RefID: "A", QueryType: qt, JSON: json.RawMessage(js), Interval: time.Hour, MaxDataPoints: 500,
		TimeRange: backend.TimeRange{From: from2021, To: to2021}}
}

// TestHostileRequests sends what a hostile or careless dashboard user can type, through the
// built binary as Grafana does. Each gets a 4xx answer from the downstream side that names
// the input, echoes at most 200 characters of it, and the process serves on.
func TestHostileRequests(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	pgtest.SeedFixtures(t, dbURL)
	h := start(t, settingsFor(t, dbURL, "ciradar_reader", 1, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	huge := strings.Repeat("horoscope", 100_000/9)

	queries := []struct {
		name   string
		q      backend.DataQuery
		status backend.Status
		want   []string // substrings of the message
	}{
		{"NUL in a filter", dq("jobs", `{"filters": {"repos": ["a\u0000b"]}}`), 400, []string{"filters.repos[0] holds a NUL byte"}},
		{"NUL in the second value of a filter", dq("queue_time", `{"filters": {"labels": ["linux", "x\u0000"]}}`), 400, []string{"filters.labels[1] holds a NUL byte"}},
		{"invalid UTF-8 in a filter", dq("build_results", "{\"filters\": {\"branches\": [\"ma\xffin\"]}}"), 400, []string{"filters.branches[0] is not valid UTF-8"}},
		{"truncated UTF-8 sequence in a filter", dq("repo_stats", "{\"filters\": {\"workflows\": [\"ci\xe2\x82\"]}}"), 400, []string{"filters.workflows[0] is not valid UTF-8"}},
		{"overlong UTF-8 encoding of /", dq("jobs", "{\"filters\": {\"orgs\": [\"\xc0\xaf\"]}}"), 400, []string{"filters.orgs[0] is not valid UTF-8"}},
		{"NUL in a pipeline repo", dq("pipeline", `{"repo": "octo/\u0000", "branch": "main"}`), 400, []string{"repo holds a NUL byte"}},
		{"NUL in a JSON key", dq("jobs", `{"filters": {"re\u0000pos": ["x"]}}`), 400, []string{`filters."re\x00pos" (a key) holds a NUL byte`}},
		{"NUL in the annotation source", dq("annotations", `{"source": "failed_runs\u0000"}`), 400, []string{"source holds a NUL byte"}},
		{"huge queryType", dq(huge, `{}`), 400, []string{"unknown queryType", "use one of"}},
		{"NUL in queryType", dq("jobs\x00", `{}`), 400, []string{`unknown queryType "jobs\x00"`}},
		{"negative runId", dq("pipeline", `{"runId": -2202229078}`), 400, []string{`runId "-2202229078" is not a positive number`}},
		{"runId past int64", dq("pipeline", `{"runId": 99999999999999999999}`), 400, []string{"is not a positive number"}},
		{"runId as a float", dq("pipeline", `{"runId": 1e3}`), 400, []string{"is not a positive number"}},
		{"negative limit", dq("jobs", `{"limit": -1}`), 400, []string{"limit -1 is outside"}},
		{"limit past int64", dq("jobs", `{"limit": 1e30}`), 400, []string{"query JSON is invalid"}},
		{"huge value echoed", dq("queue_time", `{"value": "`+huge+`"}`), 400, []string{"is not a field of this answer"}},
		{"filters of the wrong type", dq("jobs", `{"filters": "octo/a"}`), 400, []string{"query JSON is invalid"}},
		{"deeply nested JSON", dq("jobs", strings.Repeat("[", 200_000)+strings.Repeat("]", 200_000)), 400, []string{"query JSON is invalid"}},
	}
	for _, tc := range queries {
		t.Run("query/"+tc.name, func(t *testing.T) {
			r := send(ctx, t, h, h.pctx, tc.q)
			if r.Error == nil || r.Status != tc.status || r.ErrorSource != backend.ErrorSourceDownstream {
				t.Fatalf("got status %d, source %q, error %v; want %d from downstream", r.Status, r.ErrorSource, r.Error, tc.status)
			}
			msg := r.Error.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %.300q lacks %q", msg, w)
				}
			}
			if len(msg) > 1000 {
				t.Errorf("message is %d bytes: user input must be cut to 200 characters", len(msg))
			}
		})
	}

	// Odd but harmless values are answered, not refused.
	for _, tc := range []struct{ name, qt, js string }{
		{"a wide bucket", "job_states", `{}`},
		{"unicode filter", "jobs", `{"filters": {"repos": ["ünïcødé ☃ 𝄞"]}}`},
		{"escaped surrogate", "jobs", `{"filters": {"repos": ["\ud800"]}}`},
		{"100,000 filter values", "queue_time", `{"filters": {"repos": ` + manyValues(100_000) + `}}`},
	} {
		t.Run("answered/"+tc.name, func(t *testing.T) {
			q := dq(tc.qt, tc.js)
			if tc.name == "a wide bucket" {
				q.Interval = time.Duration(1 << 62)
			}
			if r := send(ctx, t, h, h.pctx, q); r.Error != nil {
				t.Fatalf("got %d %v, want an answer", r.Status, r.Error)
			}
		})
	}

	resources := []struct {
		name, path, query string
		code              int
		want              string
	}{
		{"invalid percent-encoding", "variables/repos", "org=%ZZ", 400, `parameter "org" is not valid percent-encoding`},
		{"invalid percent-encoding in the name", "variables/repos", "o%ZZrg=x", 400, "parameter name"},
		{"a lone percent", "variables/workflows", "repo=a%", 400, `parameter "repo" is not valid percent-encoding`},
		{"NUL byte", "variables/repos", "org=a%00b", 400, "parameter org holds a NUL byte"},
		{"invalid UTF-8", "variables/branches", "repo=octo%2F%FF", 400, "parameter repo is not valid UTF-8"},
		{"given twice", "variables/labels", "org=a&org=b", 400, `parameter "org" is given more than once`},
		{"huge variable name", "variables/" + strings.Repeat("x", 100_000), "", 400, "unknown variable"},
		{"NUL in the variable name", "variables/repos%00", "", 400, "unknown variable"},
		{"valid narrowing still works", "variables/repos", "org=Codertocat", 200, `["Codertocat/Hello-World"]`},
	}
	for _, tc := range resources {
		t.Run("resource/"+tc.name, func(t *testing.T) {
			got := resource(ctx, t, h, h.pctx, tc.path, tc.query)
			var body struct{ Error string }
			if got.Status != 200 && json.Unmarshal(got.Body, &body) != nil {
				t.Fatalf("error body is not JSON: %.300s", got.Body)
			}
			if got.Status != tc.code || !strings.Contains(string(got.Body)+body.Error, tc.want) {
				t.Fatalf("got %d %.300s, want %d with %q", got.Status, got.Body, tc.code, tc.want)
			}
			if len(got.Body) > 1000 {
				t.Errorf("body is %d bytes: user input must be cut to 200 characters", len(got.Body))
			}
		})
	}

	t.Run("still serving", func(t *testing.T) { stillServing(ctx, t, h, h.pctx) })
	// The reader, narrowed by migration 0014, still lists every variable (TestGrafanaHost
	// runs every query type as it).
	for _, name := range query.VariableNames() {
		t.Run("reader lists "+name, func(t *testing.T) {
			got := resource(ctx, t, h, h.pctx, "variables/"+name, "")
			var vals []string
			if got.Status != 200 || json.Unmarshal(got.Body, &vals) != nil || len(vals) == 0 {
				t.Fatalf("got %d %.300s, want a non-empty list", got.Status, got.Body)
			}
		})
	}
}

func manyValues(n int) string {
	vals := make([]string, n)
	for i := range vals {
		vals[i] = "octo/repo-" + strconv.Itoa(i)
	}
	b, _ := json.Marshal(vals)
	return string(b)
}

// stillServing asserts the process is alive and answers a real query and a health check.
func stillServing(ctx context.Context, t *testing.T, h *host, pctx *pluginv2.PluginContext) {
	t.Helper()
	if h.client.Exited() {
		t.Fatal("gpx_ciradar exited")
	}
	if r := send(ctx, t, h, pctx, dq("jobs", `{"states": ["completed"]}`)); r.Error != nil || len(r.Frames) == 0 || r.Frames[0].Rows() == 0 {
		t.Fatalf("a plain jobs query after the hostile ones: %v", r.Error)
	}
	res, err := h.diag.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: pctx})
	if err != nil || backend.FromProto().CheckHealthResponse(res).Status == backend.HealthStatusError {
		t.Fatalf("health after the hostile queries: %v %v", err, res)
	}
}

// TestStatementTimeout: the plugin's own timeout holds for the read-only role (whose role
// default is 30 s) and for a user with none at all (the superuser). A table locked by a
// migration stands in for a query too slow to finish: the query waits on the lock, and the
// timeout ends the wait. The answer is a 400 that tells the user what to do.
func TestStatementTimeout(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	pgtest.SeedFixtures(t, dbURL)
	admin, _ := url.Parse(dbURL)
	instances := []struct {
		user string
		id   int64
	}{{"ciradar_reader", 1}, {admin.User.Username(), 2}}
	h := start(t, settingsFor(t, dbURL, instances[0].user, instances[0].id, nil))
	// Under the test's own deadline, well short of the role's 30 s: only the plugin's 1 s
	// can end the wait in time.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	lock, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close(context.Background())
	tx, err := lock.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE workflow_jobs, workflow_runs IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	pctxs := map[string]*pluginv2.PluginContext{}
	for _, in := range instances {
		// "1" as a string, as ${ENV} provisioning sends numbers.
		pctx := pluginContext(settingsFor(t, dbURL, in.user, in.id, map[string]any{"queryTimeoutSeconds": "1"}))
		pctxs[in.user] = pctx
		t.Run(in.user+"/query", func(t *testing.T) {
			r := send(ctx, t, h, pctx, dq("jobs", `{}`))
			want := "jobs query exceeded 1 s; narrow the time range or the filters"
			if r.Status != backend.StatusBadRequest || r.ErrorSource != backend.ErrorSourceDownstream || r.Error == nil || !strings.Contains(r.Error.Error(), want) {
				t.Fatalf("got %d %q %v; want 400 downstream %q", r.Status, r.ErrorSource, r.Error, want)
			}
		})
		t.Run(in.user+"/resource", func(t *testing.T) {
			got := resource(ctx, t, h, pctx, "variables/workflows", "")
			if got.Status != 400 || !strings.Contains(string(got.Body), "variable query exceeded 1 s") {
				t.Fatalf("got %d %s", got.Status, got.Body)
			}
		})
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for _, pctx := range pctxs {
		stillServing(ctx, t, h, pctx)
	}
}

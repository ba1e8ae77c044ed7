package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestLoadSettings(t *testing.T) {
	tests := []struct {
		name, json string
		want       []string // substrings of the error; none means valid
	}{
		{name: "defaults", json: `{}`},
		{name: "full", json: `{"host": "/run/postgresql", "port": 5433, "database": "ci", "user": "r", "sslmode": "require", "maxConns": 8, "statusPageUrl": "http://status.local/api/v2/summary.json", "staleIngestMinutes": 5, "queryTimeoutSeconds": 60}`},
		{name: "every problem at once", json: `{"port": 70000, "sslmode": "maybe", "maxConns": 500, "statusPageUrl": "ftp://x", "staleIngestMinutes": -1, "queryTimeoutSeconds": 3601}`,
			want: []string{"port 70000", `sslmode "maybe"`, "maxConns 500", "statusPageUrl", "staleIngestMinutes -1", "queryTimeoutSeconds 3601 is not between 1 and 3600"}},
		{name: "a negative timeout", json: `{"queryTimeoutSeconds": -5}`, want: []string{"queryTimeoutSeconds -5"}},
		{name: "a timeout that is no number", json: `{"queryTimeoutSeconds": "30s"}`, want: []string{`"30s" is not a whole number`}},
		{name: "not JSON", json: `{"port": `, want: []string{"not valid JSON"}},
		{name: "numbers as strings, as Grafana's env interpolation gives them", json: `{"port": "5433", "maxConns": "8", "staleIngestMinutes": ""}`},
		{name: "a string that is no number", json: `{"port": "fifty"}`, want: []string{"not valid JSON", `"fifty" is not a whole number`}},
		{name: "wrong type", json: `{"port": true}`, want: []string{"not valid JSON"}},
		{name: "an Enterprise Server web address", json: `{"githubWebURL": "https://ghe.example.com/"}`},
		{name: "a web address that is no URL", json: `{"githubWebURL": "ghe.example.com"}`, want: []string{`githubWebURL "ghe.example.com"`}},
		{name: "a web address with a query", json: `{"githubWebURL": "https://ghe.example.com/?x=1"}`, want: []string{"githubWebURL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(tc.json), DecryptedSecureJSONData: map[string]string{"password": "hunter2"}})
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.PoolConfig(); err != nil {
					t.Fatal(err)
				}
				if strings.HasSuffix(s.GitHubWebURL, "/") || !strings.HasPrefix(s.GitHubWebURL, "https://") {
					t.Errorf("githubWebURL %q: want an https address without its trailing slash", s.GitHubWebURL)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Error("error reveals the password")
			}
		})
	}
}

// datasource builds a data source on a fresh seeded database, connected as the read-only
// role through the unix socket, as Grafana would configure it.
func datasource(t *testing.T, statusURL string) (*Datasource, string) {
	t.Helper()
	dbURL := pgtest.NewDatabase(t)
	pgtest.SeedFixtures(t, dbURL)
	u, _ := url.Parse(dbURL)
	js, _ := json.Marshal(map[string]any{"host": u.Query().Get("host"), "port": 5432, "database": strings.TrimPrefix(u.Path, "/"),
		"user": "ciradar_reader", "sslmode": "disable", "statusPageUrl": statusURL, "staleIngestMinutes": 60})
	inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{UID: "ci", JSONData: js})
	if err != nil {
		t.Fatal(err)
	}
	d := inst.(*Datasource)
	t.Cleanup(d.Dispose)
	return d, dbURL
}

// writeQueuedJob stores GitHub's example queued job under a fresh id, so that it is still
// waiting: queued_now then has a value to alert on.
func writeQueuedJob(t *testing.T, dbURL string) {
	t.Helper()
	var doc map[string]any
	json.Unmarshal(fixtures.Get("workflow_job.queued.1"), &doc)
	wj := doc["workflow_job"].(map[string]any)
	wj["id"], wj["created_at"] = 1, "2021-06-01T10:00:00Z"
	body, _ := json.Marshal(doc)
	d := store.Delivery{ID: "queued-1", Event: "workflow_job", ReceivedAt: time.Date(2021, 6, 1, 10, 0, 0, 0, time.UTC), Payload: body}
	proj, err := store.Project(d)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Write(context.Background(), []store.Item{{Delivery: d, Projection: proj}}); err != nil {
		t.Fatal(err)
	}
}

func statusPage(t *testing.T, code int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(code)
		w.Write([]byte(`{"components": [], "incidents": [], "status": {"indicator": "none"}}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/v2/summary.json"
}

func dataQuery(refID, js string) backend.DataQuery {
	var head struct {
		QueryType string `json:"queryType"`
	}
	json.Unmarshal([]byte(js), &head)
	return backend.DataQuery{RefID: refID, QueryType: head.QueryType, JSON: []byte(js), Interval: time.Hour, MaxDataPoints: 500,
		TimeRange: backend.TimeRange{From: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)}}
}

func TestQueryDataErrors(t *testing.T) {
	d, _ := datasource(t, statusPage(t, 200))
	tests := []struct {
		name   string
		q      backend.DataQuery
		status backend.Status
		want   string
	}{
		{"unknown type", dataQuery("A", `{"queryType": "horoscope"}`), backend.StatusBadRequest, `unknown queryType "horoscope"`},
		{"missing type", dataQuery("A", `{}`), backend.StatusBadRequest, "queryType is missing"},
		{"invalid UTF-8 in the type", backend.DataQuery{RefID: "A", QueryType: "jobs\xff", JSON: []byte(`{}`)}, backend.StatusBadRequest, `unknown queryType "jobs\xff"`},
		{"100 KB type", backend.DataQuery{RefID: "A", QueryType: strings.Repeat("x", 100_000), JSON: []byte(`{}`)}, backend.StatusBadRequest, "…"},
		{"bad JSON", backend.DataQuery{RefID: "A", JSON: []byte(`{`)}, backend.StatusBadRequest, "query JSON is invalid"},
		{"reversed range", func() backend.DataQuery {
			q := dataQuery("A", `{"queryType": "jobs"}`)
			q.TimeRange.From, q.TimeRange.To = q.TimeRange.To, q.TimeRange.From
			return q
		}(), backend.StatusBadRequest, "reversed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{tc.q}})
			if err != nil {
				t.Fatal(err)
			}
			r := resp.Responses["A"]
			if r.Error == nil || r.Status != tc.status || !strings.Contains(r.Error.Error(), tc.want) || r.ErrorSource != backend.ErrorSourceDownstream {
				t.Fatalf("response = %v (status %d, source %q), want %d saying %q", r.Error, r.Status, r.ErrorSource, tc.status, tc.want)
			}
		})
	}
}

// TestAlertQueries: with the FromAlert header, queue_time and queued_now answer exactly
// what a dashboard gets, in shapes Grafana's alerting can reduce.
func TestAlertQueries(t *testing.T) {
	d, dbURL := datasource(t, statusPage(t, 200))
	writeQueuedJob(t, dbURL)
	for _, js := range []string{`{"queryType": "queue_time", "groupBy": "labels"}`, `{"queryType": "queued_now", "value": "oldest_age_seconds"}`} {
		req := &backend.QueryDataRequest{Queries: []backend.DataQuery{dataQuery("A", js)}}
		plain, _ := d.QueryData(context.Background(), req)
		req.Headers = map[string]string{backend.FromAlertHeaderName: "true"}
		alert, _ := d.QueryData(context.Background(), req)
		a, p := alert.Responses["A"], plain.Responses["A"]
		if a.Error != nil {
			t.Fatalf("%s: %v", js, a.Error)
		}
		aj, _ := json.Marshal(a.Frames)
		pj, _ := json.Marshal(p.Frames)
		if string(aj) != string(pj) {
			t.Errorf("%s: alert answer differs from the dashboard's", js)
		}
		if err := reducible(a.Frames); err != "" {
			t.Errorf("%s: %s", js, err)
		}
	}
}

// reducible checks the two shapes alerting reduces: wide time series (a time field, then
// numeric fields) and numeric frames with one numeric field carrying labels.
func reducible(frames data.Frames) string {
	if len(frames) == 0 {
		return "no frames"
	}
	for _, f := range frames {
		switch f.Meta.Type {
		case data.FrameTypeTimeSeriesWide:
			if len(f.Fields) < 2 || f.Fields[0].Type() != data.FieldTypeTime {
				return "wide frame without a leading time field"
			}
			for _, fl := range f.Fields[1:] {
				if !fl.Type().Numeric() {
					return "wide frame with a non-numeric value field " + fl.Name
				}
			}
		case data.FrameTypeNumericMulti:
			if len(f.Fields) != 1 || !f.Fields[0].Type().Numeric() || len(f.Fields[0].Labels) == 0 {
				return "numeric frame without exactly one labelled numeric field"
			}
		default:
			return "frame type " + string(f.Meta.Type) + " cannot be reduced"
		}
	}
	return ""
}

func TestCheckHealth(t *testing.T) {
	tests := []struct {
		name   string
		code   int
		status backend.HealthStatus
		want   []string
	}{
		{"stale ingest is a warning", 200, backend.HealthStatusUnknown, []string{fmt.Sprintf("schema %d current", store.LatestVersion()), "newest delivery is"}},
		{"status page down is a warning", 503, backend.HealthStatusUnknown, []string{"status page unreachable"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := datasource(t, statusPage(t, tc.code))
			res, err := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if res.Status != tc.status || !strings.Contains(res.Message, w) {
					t.Errorf("health = %v %q, want %v with %q", res.Status, res.Message, tc.status, w)
				}
			}
		})
	}
	t.Run("database unreachable is an error", func(t *testing.T) {
		js := `{"host": "/nonexistent", "port": 5432, "sslmode": "disable"}`
		inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{JSONData: []byte(js), DecryptedSecureJSONData: map[string]string{"password": "hunter2"}})
		if err != nil {
			t.Fatal(err)
		}
		defer inst.(*Datasource).Dispose()
		res, _ := inst.(*Datasource).CheckHealth(context.Background(), &backend.CheckHealthRequest{})
		if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "database unreachable") || strings.Contains(res.Message, "hunter2") {
			t.Errorf("health = %v %q", res.Status, res.Message)
		}
	})
}

type captured struct{ resp *backend.CallResourceResponse }

func (c *captured) Send(r *backend.CallResourceResponse) error { c.resp = r; return nil }

func TestVariables(t *testing.T) {
	d, _ := datasource(t, statusPage(t, 200))
	tests := []struct {
		name, path, url string
		code            int
		want            string
	}{
		{"repos", "variables/repos", "variables/repos", 200, `["Codertocat/Hello-World","lineville/elastic-machines-testing","octo-org/example-workflow","wolfy1339/github-events-schemas"]`},
		{"repos narrowed to an org", "variables/repos", "variables/repos?org=Codertocat", 200, `["Codertocat/Hello-World"]`},
		{"events", "variables/events", "variables/events", 200, `["repository_dispatch","workflow_dispatch"]`},
		{"unknown", "variables/planets", "variables/planets", 400, `unknown variable`},
		{"the GitHub web address, by default github.com", "variables/github_url", "variables/github_url", 200, `["https://github.com"]`},
		{"not a route", "admin", "admin", 404, `not found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c captured
			if err := d.CallResource(context.Background(), &backend.CallResourceRequest{Method: "GET", Path: tc.path, URL: tc.url}, &c); err != nil {
				t.Fatal(err)
			}
			if c.resp.Status != tc.code || !strings.Contains(string(c.resp.Body), tc.want) {
				t.Errorf("got %d %s, want %d %s", c.resp.Status, c.resp.Body, tc.code, tc.want)
			}
		})
	}
}

func TestDisposeClosesPool(t *testing.T) {
	d, _ := datasource(t, statusPage(t, 200))
	d.Dispose()
	if err := d.pool.Ping(context.Background()); err == nil {
		t.Fatal("pool still usable after Dispose")
	}
}

// Numbers provisioned through ${ENV} arrive as strings and mean the same as numbers.
func TestSettingsNumbersFromStrings(t *testing.T) {
	s, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(`{"port": "5433", "maxConns": " 8 ", "staleIngestMinutes": ""}`)})
	if err != nil {
		t.Fatal(err)
	}
	if s.Port != 5433 || s.MaxConns != 8 || s.StaleIngestMinutes != 60 {
		t.Fatalf("port %d, maxConns %d, staleIngestMinutes %d; want 5433, 8 and the default 60", s.Port, s.MaxConns, s.StaleIngestMinutes)
	}
}

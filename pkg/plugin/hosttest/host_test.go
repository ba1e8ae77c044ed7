// Package hosttest drives the built gpx_ciradar executable the way Grafana does: it starts
// the binary through hashicorp/go-plugin with Grafana's handshake, and calls it over gRPC
// with requests converted by the SDK's protobuf converters. It catches what in-process
// tests cannot: a broken main, a missing service registration, frames that do not survive
// Arrow encoding.
package hosttest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/plugin"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The version and commit the test build of gpx_ciradar is stamped with.
const stampVersion, stampCommit = "9.8.7-test", "cafe0123"

// host is a started gpx_ciradar and its gRPC clients.
type host struct {
	data   pluginv2.DataClient
	diag   pluginv2.DiagnosticsClient
	res    pluginv2.ResourceClient
	pctx   *pluginv2.PluginContext
	client *goplugin.Client
}

func start(t *testing.T, settings backend.DataSourceInstanceSettings) *host {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gpx_ciradar")
	// Stamped as the Magefile stamps it, so that the health check's build details can be
	// held to the stamp.
	stamp := fmt.Sprintf("-X %[1]s.Version=%[2]s -X %[1]s.Commit=%[3]s", "github.com/ciradar/ciradar/pkg/version", stampVersion, stampCommit)
	if out, err := exec.Command("go", "build", "-ldflags", stamp, "-o", bin, "github.com/ciradar/ciradar/pkg").CombinedOutput(); err != nil {
		t.Fatalf("build gpx_ciradar: %v\n%s", err, out)
	}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,  // 2
			MagicCookieKey:   grpcplugin.MagicCookieKey,   // grafana_plugin_type
			MagicCookieValue: grpcplugin.MagicCookieValue, // datasource
		},
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: {
			"data":        &grpcplugin.DataGRPCPlugin{},
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
			"resource":    &grpcplugin.ResourceGRPCPlugin{},
		}},
		Cmd:              exec.Command(bin),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: os.Stderr}),
		StartTimeout:     30 * time.Second,
	})
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("start gpx_ciradar: %v", err)
	}
	h := &host{client: client}
	for name, into := range map[string]any{"data": &h.data, "diagnostics": &h.diag, "resource": &h.res} {
		raw, err := rpc.Dispense(name)
		if err != nil {
			t.Fatalf("dispense %s: %v", name, err)
		}
		switch p := into.(type) {
		case *pluginv2.DataClient:
			*p = raw.(pluginv2.DataClient)
		case *pluginv2.DiagnosticsClient:
			*p = raw.(pluginv2.DiagnosticsClient)
		case *pluginv2.ResourceClient:
			*p = raw.(pluginv2.ResourceClient)
		}
	}
	h.pctx = backend.ToProto().PluginContext(backend.PluginContext{
		OrgID: 1, PluginID: "ciradar-ciradar-datasource", DataSourceInstanceSettings: &settings,
	})
	return h
}

func TestGrafanaHost(t *testing.T) {
	began := time.Now()
	dbURL := pgtest.NewDatabase(t)
	pgtest.SeedFixtures(t, dbURL)
	summary, err := os.ReadFile("../../status/testdata/summary.json")
	if err != nil {
		t.Fatal(err)
	}
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(summary) }))
	defer page.Close()
	u, _ := url.Parse(dbURL)
	js, _ := json.Marshal(map[string]any{"host": u.Query().Get("host"), "port": 5432, "database": strings.TrimPrefix(u.Path, "/"),
		"user": "ciradar_reader", "sslmode": "disable", "statusPageUrl": page.URL + "/api/v2/summary.json"})
	h := start(t, backend.DataSourceInstanceSettings{UID: "ciradar", ID: 1, Name: "CI Radar", JSONData: js,
		DecryptedSecureJSONData: map[string]string{"password": "unused-over-the-socket"}, Updated: time.Now()})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	t.Run("health", func(t *testing.T) {
		res, err := h.diag.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: h.pctx})
		if err != nil {
			t.Fatal(err)
		}
		got := backend.FromProto().CheckHealthResponse(res)
		// The fixtures are from 2021, so ingest is stale: a warning, with the schema current.
		if got.Status != backend.HealthStatusUnknown || !strings.Contains(got.Message, fmt.Sprintf("schema %d current", store.LatestVersion())) {
			t.Errorf("health = %v %q", got.Status, got.Message)
		}
		var details struct {
			Build struct{ Version, Commit, GoVersion string }
		}
		if err := json.Unmarshal(got.JSONDetails, &details); err != nil || details.Build.Version != stampVersion ||
			details.Build.Commit != stampCommit || !strings.HasPrefix(details.Build.GoVersion, "go1.") {
			t.Errorf("health details %s (%v), want the stamped build %s %s", got.JSONDetails, err, stampVersion, stampCommit)
		}
	})

	for qt, own := range representativeQueries {
		t.Run("query/"+qt, func(t *testing.T) {
			frames := queryOne(ctx, t, h, qt, own, nil)
			if len(frames) == 0 || frames[0].Meta == nil || frames[0].Meta.ExecutedQueryString == "" {
				t.Fatalf("%s: frames lack meta: %v", qt, frames)
			}
		})
	}
	t.Run("query/unknown type is a 400", func(t *testing.T) {
		resp := queryRaw(ctx, t, h, "horoscope", `{}`, nil)
		r := resp.Responses["A"]
		if r.Status != backend.StatusBadRequest || r.Error == nil || !strings.Contains(r.Error.Error(), "horoscope") {
			t.Fatalf("got %d %v", r.Status, r.Error)
		}
	})
	t.Run("alert query", func(t *testing.T) {
		plain := queryOne(ctx, t, h, "queue_time", `{"groupBy": "labels"}`, nil)
		alert := queryOne(ctx, t, h, "queue_time", `{"groupBy": "labels"}`, map[string]string{backend.FromAlertHeaderName: "true"})
		pj, _ := json.Marshal(plain)
		aj, _ := json.Marshal(alert)
		if string(pj) != string(aj) || alert[0].Meta.Type != "timeseries-wide" {
			t.Errorf("alert answer differs or is not a wide series: %s", aj)
		}
	})
	t.Run("resource", func(t *testing.T) {
		req := backend.ToProto().CallResourceRequest(&backend.CallResourceRequest{
			PluginContext: backend.FromProto().PluginContext(h.pctx), Path: "variables/repos", Method: "GET", URL: "variables/repos?org=Codertocat"})
		stream, err := h.res.CallResource(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		got := backend.FromProto().CallResourceResponse(msg)
		if got.Status != 200 || string(got.Body) != `["Codertocat/Hello-World"]` {
			t.Errorf("got %d %s", got.Status, got.Body)
		}
	})
	t.Logf("plugin-host test took %s (build, start, %d queries)", time.Since(began).Round(time.Millisecond), len(representativeQueries)+2)
}

// representativeQueries is one query of every type, with the options that exercise it,
// over the fixtures' 2021.
var representativeQueries = map[string]string{
	"queue_time": `{"groupBy": "labels"}`, "queued_now": `{}`, "jobs": `{"states": ["completed"]}`,
	"job_states": `{}`, "runners": `{}`, "runner_utilization": `{}`, "repo_stats": `{"dimension": "repo", "metric": "runs"}`,
	"build_results": `{"splitBy": "trigger"}`, "flaky_jobs": `{}`, "nightly_failures": `{}`, "error_signatures": `{}`,
	"pipeline": `{"runId": 2202229078}`, "github_status": `{"view": "components"}`, "ingest_health": `{}`,
	"annotations": `{"source": "failed_runs"}`, "active_jobs": `{}`,
	"reconciler_stats": `{}`, "branch_status": `{}`,
	"org_overview": `{}`, "commit_grid": `{"repo": "Codertocat/Hello-World", "branch": "main"}`, "pull_requests": `{}`,
	"refs": `{"kind": "branches"}`, "runner_builds": `{}`, "steps": `{"view": "slowest"}`,
	"cost": `{"dimension": "repo"}`, "concurrency": `{"groupBy": "type"}`,
}

func queryRaw(ctx context.Context, t *testing.T, h *host, qt, own string, headers map[string]string) *backend.QueryDataResponse {
	t.Helper()
	req := &backend.QueryDataRequest{
		PluginContext: backend.FromProto().PluginContext(h.pctx),
		Headers:       headers,
		Queries: []backend.DataQuery{{RefID: "A", QueryType: qt, JSON: json.RawMessage(own), Interval: time.Hour, MaxDataPoints: 500,
			TimeRange: backend.TimeRange{From: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)}}},
	}
	res, err := h.data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		t.Fatalf("QueryData %s: %v", qt, err)
	}
	resp, err := backend.FromProto().QueryDataResponse(res)
	if err != nil {
		t.Fatalf("decode %s: %v", qt, err)
	}
	return resp
}

func queryOne(ctx context.Context, t *testing.T, h *host, qt, own string, headers map[string]string) data.Frames {
	t.Helper()
	r := queryRaw(ctx, t, h, qt, own, headers).Responses["A"]
	if r.Error != nil {
		t.Fatalf("%s: %v", qt, r.Error)
	}
	return r.Frames
}

// Every registered type has its representative query, so the tests that iterate them cover
// a new type the day it is added.
func TestRepresentativeQueriesCoverEveryType(t *testing.T) {
	for _, qt := range plugin.QueryTypes() {
		if _, ok := representativeQueries[qt]; !ok {
			t.Errorf("query type %s has no representative query in representativeQueries", qt)
		}
	}
}

package query_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/status"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/jackc/pgx/v5"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// types are the query functions under test, as the plugin registers them.
var types = map[string]query.Func{
	"queue_time": query.QueueTime, "queued_now": query.QueuedNow, "jobs": query.Jobs, "active_jobs": query.ActiveJobs,
	"job_states": query.JobStates, "runners": query.Runners, "runner_utilization": query.RunnerUtilization,
	"repo_stats": query.RepoStats, "build_results": query.BuildResults, "flaky_jobs": query.FlakyJobs,
	"nightly_failures": query.NightlyFailures, "error_signatures": query.ErrorSignatures,
	"pipeline": query.Pipeline, "github_status": query.GitHubStatus, "ingest_health": query.IngestHealth,
	"annotations":      query.Annotations,
	"reconciler_stats": query.ReconcilerStats,
	"branch_status":    query.BranchStatus,
	"org_overview":     query.OrgOverview, "commit_grid": query.CommitGrid, "pull_requests": query.PullRequests, "refs": query.Refs,
	"runner_builds": query.RunnerBuilds,
	"steps":         query.Steps,
	"cost":          query.Cost, "concurrency": query.Concurrency,
}

// fakeStatus is a status page that answers from memory.
type fakeStatus struct{ err error }

func (f fakeStatus) Summary(context.Context) (status.Summary, error) {
	var s status.Summary
	s.Components = []status.Component{{Name: "Actions", Status: "degraded_performance", Description: "Workflows", UpdatedAt: t0.Add(50 * time.Hour)}}
	s.Incidents = []status.Incident{{Name: "Incident with Actions", Status: "investigating", Impact: "minor", Shortlink: "https://stspg.io/x",
		CreatedAt: t0.Add(49 * time.Hour), UpdatedAt: t0.Add(50 * time.Hour), Updates: []status.Update{{Body: "Investigating delayed job starts."}}}}
	return s, f.err
}

func (f fakeStatus) Incidents(ctx context.Context) ([]status.Incident, error) {
	s, err := f.Summary(ctx)
	resolved := t0.Add(-47 * time.Hour)
	old := status.Incident{Name: "Old incident", Status: "resolved", Impact: "major", CreatedAt: t0.Add(-48 * time.Hour), ResolvedAt: &resolved}
	return append(s.Incidents, old), err
}

func request(js string) query.Request {
	return query.Request{RefID: "A", From: t0, To: t0.Add(7 * 24 * time.Hour), Interval: time.Hour, MaxDataPoints: 1000, JSON: json.RawMessage(js)}
}

func TestGolden(t *testing.T) {
	pool, _ := seed(t, newWorld())
	env := query.Env{DB: pool, Status: fakeStatus{}}
	tests := []struct{ name, queryType, json string }{
		{"queue_time_none", "queue_time", `{"interval": "6h"}`},
		{"queue_time_labels", "queue_time", `{"groupBy": "labels", "filters": {"repos": ["$__all"]}}`},
		{"queue_time_repo_filtered", "queue_time", `{"groupBy": "repo", "filters": {"repos": ["acme/api", "octo/tools"], "events": ["push"]}}`},
		{"queue_time_labels_with_abandoned", "queue_time", `{"groupBy": "labels", "includeAbandoned": true}`},
		{"queued_now", "queued_now", `{}`},
		{"active_jobs", "active_jobs", `{}`},
		{"active_jobs_queued_self_hosted", "active_jobs", `{"states": ["queued"], "filters": {"labels": ["linux,self-hosted,x64"]}}`},
		{"queued_now_age_only", "queued_now", `{"value": "oldest_age_seconds"}`},
		{"jobs_open", "jobs", `{"states": ["queued", "in_progress"]}`},
		{"jobs_completed_failed", "jobs", `{"states": ["completed"], "filters": {"conclusions": ["failure"]}, "limit": 5}`},
		{"job_states", "job_states", `{}`},
		{"runners", "runners", `{"filters": {"runnerGroups": ["linux-pool"]}}`},
		{"runner_utilization", "runner_utilization", `{}`},
		{"runners_inventory", "runners", `{"inventory": true}`},
		{"runner_utilization_sampled", "runner_utilization", `{"inventory": true}`},
		{"repo_stats_repo_runs", "repo_stats", `{"dimension": "repo", "metric": "runs"}`},
		{"repo_stats_job_failure_rate", "repo_stats", `{"dimension": "job", "metric": "failure_rate", "limit": 2}`},
		{"repo_stats_label_p95_queue", "repo_stats", `{"dimension": "label", "metric": "p95_queue"}`},
		{"build_results_trigger", "build_results", `{"splitBy": "trigger"}`},
		{"build_results_every_attempt", "build_results", `{"splitBy": "trigger", "countBy": "attempt"}`},
		{"build_results_label_filter", "build_results", `{"filters": {"labels": ["linux,self-hosted,x64"]}}`},
		{"flaky_jobs", "flaky_jobs", `{}`},
		{"nightly_failures", "nightly_failures", `{}`},
		{"error_signatures", "error_signatures", `{}`},
		{"error_signatures_only_new", "error_signatures", `{"onlyNew": true}`},
		{"error_signatures_alert", "error_signatures", `{"onlyNew": true, "value": "occurrences"}`},
		{"branch_status", "branch_status", `{}`},
		{"pipeline_by_id", "pipeline", `{"runId": 900001}`},
		{"pipeline_latest", "pipeline", `{"repo": "acme/web", "branch": "main"}`},
		{"pipeline_newest_run", "pipeline", `{"runId": "", "filters": {"repos": ["octo/tools"]}}`},
		{"github_status_components", "github_status", `{"view": "components"}`},
		{"github_status_incidents", "github_status", `{"view": "incidents"}`},
		{"ingest_health", "ingest_health", `{}`},
		{"annotations_failed_runs", "annotations", `{"source": "failed_runs"}`},
		{"annotations_incidents", "annotations", `{"source": "incidents"}`},
		{"org_overview", "org_overview", `{}`},
		{"commit_grid", "commit_grid", `{"repo": "acme/web", "branch": "main"}`},
		{"pull_requests", "pull_requests", `{}`},
		{"refs_branches", "refs", `{"kind": "branches"}`},
		{"refs_releases", "refs", `{"kind": "releases"}`},
		{"runner_builds", "runner_builds", `{}`},
		{"build_results_per_month", "build_results", `{"calendar": "month"}`},
		{"build_results_per_week_by_trigger", "build_results", `{"calendar": "week", "splitBy": "trigger"}`},
		{"build_results_warnings", "build_results", `{"splitBy": "warnings"}`},
		{"steps_slowest", "steps", `{"limit": 8}`},
		{"steps_duration", "steps", `{"view": "duration", "steps": ["Run make test"], "filters": {"workflows": ["CI"]}}`},
		{"steps_failing", "steps", `{"view": "failing", "limit": 5}`},
		{"steps_warnings", "steps", `{"view": "warnings", "filters": {"repos": ["acme/api"]}}`},
		{"cost_top_repo", "cost", `{"dimension": "repo"}`},
		{"cost_over_time", "cost", `{"view": "over_time"}`},
		{"concurrency_type", "concurrency", `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := request(tc.json)
			env := env
			if strings.Contains(tc.json, "inventory") {
				// The reconciler's inventory, in a store of its own so that the other cases
				// show the answers without it.
				ipool, _ := seed(t, newWorld())
				seedInventory(t, ipool)
				env.DB = ipool
				req.Interval = 6 * time.Hour
			}
			if tc.queryType == "annotations" && strings.Contains(tc.json, "incidents") {
				req.From = t0.Add(-72 * time.Hour)
			}
			frames, err := types[tc.queryType](context.Background(), env, req)
			if err != nil {
				t.Fatalf("%s: %v", tc.queryType, err)
			}
			checkConventions(t, frames)
			experimental.CheckGoldenJSONResponse(t, "testdata", tc.name, &backend.DataResponse{Frames: frames}, *update)
		})
	}
}

// checkConventions holds every answer to docs/queries.md's frame rules.
func checkConventions(t *testing.T, frames data.Frames) {
	t.Helper()
	if len(frames) == 0 {
		t.Fatal("no frames")
	}
	for _, f := range frames {
		if f.Meta == nil || f.Meta.Type == "" || f.Meta.ExecutedQueryString == "" {
			t.Errorf("frame %q: meta %+v lacks type or executed query", f.Name, f.Meta)
		}
		for _, fl := range f.Fields {
			if fl.Name != strings.ToLower(fl.Name) || strings.ContainsAny(fl.Name, " -") {
				t.Errorf("frame %q: field %q is not snake_case", f.Name, fl.Name)
			}
			if strings.HasSuffix(fl.Name, "_url") && (fl.Config == nil || len(fl.Config.Links) == 0) {
				t.Errorf("frame %q: URL field %q has no data link", f.Name, fl.Name)
			}
		}
	}
}

type dataFrame = data.Frame

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// failingDB fails every query: bad queries must be refused before any SQL runs.
type failingDB struct{}

func (failingDB) Query(context.Context, string, ...any) (pgx.Rows, error) {
	return nil, errors.New("the database must not be asked")
}

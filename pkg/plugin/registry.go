package plugin

import "github.com/ciradar/ciradar/pkg/query"

// queryTypes is the one table of query types: adding a type is a file in package query and
// a row here (docs/queries.md lists them).
var queryTypes = map[string]query.Func{
	"queue_time":         query.QueueTime,
	"queued_now":         query.QueuedNow,
	"jobs":               query.Jobs,
	"active_jobs":        query.ActiveJobs,
	"job_states":         query.JobStates,
	"runners":            query.Runners,
	"runner_utilization": query.RunnerUtilization,
	"repo_stats":         query.RepoStats,
	"build_results":      query.BuildResults,
	"flaky_jobs":         query.FlakyJobs,
	"nightly_failures":   query.NightlyFailures,
	"error_signatures":   query.ErrorSignatures,
	"pipeline":           query.Pipeline,
	"github_status":      query.GitHubStatus,
	"ingest_health":      query.IngestHealth,
	"reconciler_stats":   query.ReconcilerStats,
	"branch_status":      query.BranchStatus,
	"annotations":        query.Annotations,
	"org_overview":       query.OrgOverview,
	"commit_grid":        query.CommitGrid,
	"pull_requests":      query.PullRequests,
	"refs":               query.Refs,
	"runner_builds":      query.RunnerBuilds,
	"steps":              query.Steps,
	"cost":               query.Cost,
	"concurrency":        query.Concurrency,
}

// QueryTypes lists the registered type names, sorted: tests that must cover every type
// iterate it, so a new type cannot be forgotten.
func QueryTypes() []string { return typeNames() }

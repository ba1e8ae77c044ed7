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
	"annotations":        query.Annotations,
	"cost":               query.Cost,
	"concurrency":        query.Concurrency,
}

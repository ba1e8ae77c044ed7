package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/grafana/grafana-foundation-sdk/go/expr"
)

// Label values of rules that are not about one repository, or whose query knows no
// organisation: the CI platform team, and every repository.
const (
	platformTeam = "ci"
	anyRepo      = "any"
	orgTeam      = "{{ $labels.org }}"
	repoLabel    = "{{ $labels.repo }}"
)

var alertRules = []alertRule{
	{
		uid: "ciradar-queue-time-p95", title: "Queue time p95 above 5 minutes for 15 minutes", window: 900,
		query:   Query{QueryType: "queue_time", GroupBy: "labels", Value: "p95", IntervalMs: 900000, MaxDataPoints: 100},
		reducer: expr.TypeReduceReducerMean, above: 300, noData: alerting.RuleNoDataStateOK, pending: "15m", severity: "warning",
		team: platformTeam, repo: anyRepo,
		summary: "Jobs on {{ $labels.label_key }} wait {{ humanizeDuration $values.B.Value }} for a runner (p95)",
		desc: "For 15 minutes the 95th percentile of the queue time of jobs asking for the runner " +
			"labels {{ $labels.label_key }} has been {{ humanizeDuration $values.B.Value }}, above 5 minutes. " +
			"Add runners to that pool, or look for offline runners on the Queues and runners dashboard.",
	},
	{
		uid: "ciradar-oldest-queued", title: "Oldest queued job above 10 minutes", window: 600,
		query:   Query{QueryType: "queued_now", Value: "oldest_age_seconds", IntervalMs: 60000, MaxDataPoints: 100},
		reducer: expr.TypeReduceReducerLast, above: 600, noData: alerting.RuleNoDataStateOK, pending: "2m", severity: "critical",
		team: platformTeam, repo: anyRepo,
		summary: "A job on {{ $labels.label_key }} has been queued for {{ humanizeDuration $values.B.Value }}",
		desc: "The oldest job still waiting for a runner with the labels {{ $labels.label_key }} has " +
			"waited {{ humanizeDuration $values.B.Value }}, more than 10 minutes. No runner with those " +
			"labels is free, online or registered.",
	},
	{
		uid: "ciradar-nightly-failed", title: "Nightly run failed", window: 86400,
		query: Query{QueryType: "build_results", SplitBy: "repo", Value: "failure", Filters: &Filters{Events: []string{"schedule"}},
			IntervalMs: 3600000, MaxDataPoints: 100},
		reducer: expr.TypeReduceReducerSum, above: 0, noData: alerting.RuleNoDataStateOK, pending: "0s", severity: "warning",
		team: platformTeam, repo: repoLabel,
		summary: "The scheduled run of {{ $labels.repo }} failed",
		desc: "{{ $values.B.Value }} scheduled (nightly) run(s) of {{ $labels.repo }} failed in the last " +
			"24 hours. The Nightly failures dashboard shows the failing jobs and whether their " +
			"errors are new.",
	},
	{
		uid: "ciradar-no-delivery", title: "No webhook delivery for 60 minutes", window: 3600,
		query:   Query{QueryType: "ingest_health", Value: "newest_delivery_age_seconds", IntervalMs: 60000, MaxDataPoints: 100},
		reducer: expr.TypeReduceReducerLast, above: 3600,
		// No delivery ever stored is as bad as none for an hour.
		noData: alerting.RuleNoDataStateAlerting, pending: "5m", severity: "critical",
		team: platformTeam, repo: anyRepo,
		summary: "CI Radar has stored no webhook delivery for {{ humanizeDuration $values.B.Value }}",
		desc: "The newest delivery in the store is {{ humanizeDuration $values.B.Value }} old. Check the " +
			"receiver (its /readyz and logs), the organisation webhook's recent deliveries on GitHub, " +
			"and the webhook secret. The reconciler redelivers what GitHub marked failed.",
	},
	{
		// A signature is new while its first sighting is within the last hour: the alert
		// fires once per new error and resolves an hour later by itself.
		uid: "ciradar-new-error", title: "New error signature", window: 3600,
		query:   Query{QueryType: "error_signatures", OnlyNew: ptr(true), Value: "occurrences", Limit: 1000, IntervalMs: 60000, MaxDataPoints: 100},
		reducer: expr.TypeReduceReducerLast, above: 0, noData: alerting.RuleNoDataStateOK, pending: "0s", severity: "warning",
		team: orgTeam, repo: repoLabel,
		summary: "New error {{ $labels.signature }} in {{ $labels.repo }} ({{ $labels.org }}): {{ $labels.error }}",
		desc: "Error signature {{ $labels.signature }} was seen for the first time in the last hour, " +
			"{{ $values.B.Value }} time(s), most in {{ $labels.repo }} (organisation {{ $labels.org }}): " +
			"{{ $labels.error }}. The Nightly failures dashboard lists it under New errors, with a link " +
			"that opens a GitHub issue for it.",
	},
	{
		// Over a week of runs, so that a workflow that runs rarely still has its newest
		// result; it resolves with the first run that does not fail.
		uid: "ciradar-default-branch-failing", title: "Default branch failing", window: 7 * 86400,
		query:   Query{QueryType: "branch_status", Value: "failing", IntervalMs: 3600000, MaxDataPoints: 100},
		reducer: expr.TypeReduceReducerLast, above: 0, noData: alerting.RuleNoDataStateOK, pending: "0s", severity: "critical",
		team: orgTeam, repo: repoLabel,
		summary: "{{ $labels.workflow }} is failing on {{ $labels.branch }} of {{ $labels.repo }} ({{ $labels.org }})",
		desc: "The newest completed run of {{ $labels.workflow }} on {{ $labels.branch }}, the default " +
			"branch of {{ $labels.repo }} (organisation {{ $labels.org }}), failed. The alert resolves " +
			"with the first run that does not fail.",
	},
}

package query

import "time"

// finishedLookback bounds how long before the range a finished job may have been created
// and still matter to it (as queued or running). GitHub cancels a job queued for 24 hours
// and ends a hosted job after 6; a self-hosted job running longer than this lookback is
// missed by the charts of its last days, a price paid so that a 7-day panel reads 7 days
// and a little, not everything.
const finishedLookback = 30 * time.Hour

// activeJobs writes a subquery (aliased j) of the jobs that were queued or running at some
// point of the range: finished jobs that ended within it (created at most finishedLookback
// before), and every job not finished yet, which the partial index on open jobs finds
// without reading the rest. cols is the select list over workflow_jobs aliased j.
func activeJobs(st *stmt, req Request, f Filters, t filterTarget, cols string) {
	from, to := st.arg(req.From), st.arg(req.To)
	st.add("(SELECT ", cols, " FROM workflow_jobs j\n",
		"   WHERE j.status = 'completed' AND j.created_at >= ", st.arg(req.From.Add(-finishedLookback)),
		" AND j.created_at < ", to, " AND j.completed_at >= ", from)
	f.where(st, t)
	st.add("\n UNION ALL SELECT ", cols, " FROM workflow_jobs j\n",
		"   WHERE j.status <> 'completed' AND j.created_at < ", to)
	f.where(st, t)
	st.add(") j")
}

package simulate_test

import (
	"github.com/ciradar/ciradar/pkg/pgtest"
	"testing"

	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/store"
)

// storeFigures reads from the store the same figures the ground truth holds, with the
// same definitions: counts from the projected rows, and percentiles of the store's own
// queue_s and approval_wait_s columns through simulate.Summarise (nearest rank).
type storeFigures struct {
	Jobs, Runs, RunsByEvent            map[string]int
	QueueTime, QueueUngated, Approvals map[string]simulate.Stats
	NightlyFailures                    map[string]map[string]int
	Flaky                              []simulate.FlakyJob
	Abandoned                          map[string]int
	StepDurations                      map[string]simulate.Stats
	FailedSteps                        map[int64]string
	PassedWithWarnings                 int
}

func readStore(t *testing.T, st *store.Store) storeFigures {
	t.Helper()
	f := storeFigures{Jobs: map[string]int{}, Runs: map[string]int{}, RunsByEvent: map[string]int{},
		NightlyFailures: map[string]map[string]int{}, Abandoned: map[string]int{}}
	for _, r := range pgtest.Rows(t, st, `SELECT label_key, count(*)::int FROM workflow_jobs WHERE abandoned_wait_s IS NOT NULL GROUP BY 1`) {
		f.Abandoned[r[0].(string)] = int(r[1].(int32))
	}
	rows := pgtest.Rows(t, st, `SELECT status || CASE WHEN conclusion = '' THEN '' ELSE '/' || conclusion END, count(*)::int
		FROM workflow_jobs GROUP BY 1`)
	for _, r := range rows {
		f.Jobs[r[0].(string)] = int(r[1].(int32))
	}
	for _, r := range pgtest.Rows(t, st, `SELECT status || CASE WHEN conclusion = '' THEN '' ELSE '/' || conclusion END, count(*)::int
		FROM workflow_runs GROUP BY 1`) {
		f.Runs[r[0].(string)] = int(r[1].(int32))
	}
	for _, r := range pgtest.Rows(t, st, `SELECT event, count(DISTINCT run_id)::int FROM workflow_runs GROUP BY 1`) {
		f.RunsByEvent[r[0].(string)] = int(r[1].(int32))
	}
	queue, ungated, approvals := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
	for _, r := range pgtest.Rows(t, st, `SELECT label_key, queue_s, waiting_since IS NOT NULL, approval_wait_s
		FROM workflow_jobs WHERE queue_s IS NOT NULL`) {
		key, q, gated := r[0].(string), r[1].(float64), r[2].(bool)
		queue[key] = append(queue[key], q)
		if !gated {
			ungated[key] = append(ungated[key], q)
		}
	}
	for _, r := range pgtest.Rows(t, st, `SELECT label_key, approval_wait_s FROM workflow_jobs
		WHERE waiting_since IS NOT NULL AND queued_last_at > waiting_last_at`) {
		approvals[r[0].(string)] = append(approvals[r[0].(string)], r[1].(float64))
	}
	f.QueueTime, f.QueueUngated, f.Approvals = summarise(queue), summarise(ungated), summarise(approvals)
	// A nightly failure is a scheduled run whose latest attempt failed.
	for _, r := range pgtest.Rows(t, st, `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), repo, count(*)::int
		FROM (SELECT DISTINCT ON (run_id) * FROM workflow_runs WHERE event = 'schedule' ORDER BY run_id, run_attempt DESC) r
		WHERE conclusion = 'failure' GROUP BY 1, 2`) {
		day := r[0].(string)
		if f.NightlyFailures[day] == nil {
			f.NightlyFailures[day] = map[string]int{}
		}
		f.NightlyFailures[day][r[1].(string)] = int(r[2].(int32))
	}
	// A flaky job failed on an attempt and passed on the next, same run, same sha.
	for _, r := range pgtest.Rows(t, st, `SELECT b.repo, b.workflow_name, b.job_name, b.run_id, b.head_sha
		FROM workflow_jobs a JOIN workflow_jobs b ON a.run_id = b.run_id AND a.job_name = b.job_name
		 AND b.run_attempt = a.run_attempt + 1 AND a.head_sha = b.head_sha
		WHERE a.conclusion = 'failure' AND b.conclusion = 'success' ORDER BY b.run_id, b.job_name`) {
		f.Flaky = append(f.Flaky, simulate.FlakyJob{Repo: r[0].(string), Workflow: r[1].(string), Job: r[2].(string),
			RunID: r[3].(int64), SHA: r[4].(string)})
	}
	readSteps(t, st, &f)
	return f
}

// readSteps reads the step figures: every step's duration per workflow, job and step name
// (nearest rank through simulate.Summarise, as the truth), the failing step of every failed
// job, and the jobs that passed with warnings.
func readSteps(t *testing.T, st *store.Store, f *storeFigures) {
	durations := map[string][]float64{}
	for _, r := range pgtest.Rows(t, st, `SELECT j.workflow_name, j.job_name, s.name, s.duration_s
		FROM workflow_jobs j JOIN workflow_job_steps s ON s.job_id = j.job_id WHERE s.duration_s IS NOT NULL`) {
		k := simulate.StepKey(r[0].(string), r[1].(string), r[2].(string))
		durations[k] = append(durations[k], r[3].(float64))
	}
	f.StepDurations = summarise(durations)
	f.FailedSteps = map[int64]string{}
	for _, r := range pgtest.Rows(t, st, `SELECT job_id, failed_step FROM workflow_jobs WHERE conclusion = 'failure'`) {
		f.FailedSteps[r[0].(int64)] = r[1].(string)
	}
	for _, r := range pgtest.Rows(t, st, `SELECT count(*)::int FROM workflow_jobs WHERE passed_with_warnings`) {
		f.PassedWithWarnings = int(r[0].(int32))
	}
}

func summarise(m map[string][]float64) map[string]simulate.Stats {
	out := map[string]simulate.Stats{}
	for k, v := range m {
		out[k] = simulate.Summarise(v)
	}
	return out
}

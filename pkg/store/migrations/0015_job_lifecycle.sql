-- 0015: job lifecycle (issue 14). Jobs GitHub will never report on again are closed by CI
-- Radar, apart from the closures GitHub itself sent; waits that ended without a runner are
-- kept; inconsistent timestamps are flagged; redelivered deliveries keep their original time.

-- closed_by says who closed a completed job: 'github' (a real completed event), 'expired'
-- (it outlived GitHub's own limits with no news) or 'gone' (the REST API answered 404).
-- Open jobs have ''. A synthetic closure carries the conclusion of the same name; a real
-- completion that arrives later replaces it (store.Job.Merge).
ALTER TABLE workflow_jobs ADD COLUMN closed_by text NOT NULL DEFAULT '';
UPDATE workflow_jobs SET closed_by = 'github' WHERE status = 'completed';

-- abandoned_wait_s is the wait of a job that completed without a runner ever taking it
-- (cancelled, expired or gone while queued or waiting): created to its end, less the
-- approval wait. It is a
-- lower bound of a queue time that never ended. NULL for every other job. Derived from the
-- row's other columns on every write, like queue_s.
ALTER TABLE workflow_jobs ADD COLUMN abandoned_wait_s double precision;
UPDATE workflow_jobs SET abandoned_wait_s = greatest(extract(epoch FROM completed_at - created_at)::float8 - approval_wait_s, 0)
WHERE status = 'completed' AND runner_name = '' AND conclusion <> 'skipped'
  AND created_at IS NOT NULL AND completed_at IS NOT NULL;

-- Abandoned jobs are few; queue_time and repo_stats count them per bucket from this index
-- whichever way the rest of the range is read (rollups or rows).
CREATE INDEX workflow_jobs_abandoned_idx ON workflow_jobs (created_at) WHERE abandoned_wait_s IS NOT NULL;

-- inconsistent flags a job whose own timestamps contradict each other (started before it
-- was created, completed before it started). The row is kept as GitHub sent it; its queue
-- time and duration are clamped at zero.
ALTER TABLE workflow_jobs ADD COLUMN inconsistent boolean NOT NULL DEFAULT false;
UPDATE workflow_jobs SET inconsistent = true WHERE started_at < created_at OR completed_at < started_at;

-- active_jobs lists every open job, oldest first: this index holds them in that order, so
-- 10,000 queued jobs need no sort (the open-jobs index of 0001 is ordered by status first).
CREATE INDEX workflow_jobs_open_created_idx ON workflow_jobs (created_at, job_id) WHERE status <> 'completed';

-- Jobs closed without word from GitHub, by closure time, for ingest health.
CREATE INDEX workflow_jobs_closed_synthetic_idx ON workflow_jobs (completed_at) WHERE closed_by IN ('expired', 'gone');

-- delivery_origins holds, for each delivery the reconciler asked GitHub to send again, when
-- GitHub first delivered it (from the hook's delivery listing). The redelivery arrives hours
-- later; the projection takes the original time as its receipt time, so that receipt-time
-- figures (the approval wait) are not inflated by the repair.
CREATE TABLE delivery_origins (
    delivery_id  text PRIMARY KEY,
    delivered_at timestamptz NOT NULL
);
GRANT SELECT ON delivery_origins TO ciradar_reader;

-- The rollups' durations, clamped at zero like the raw queries': a job that completed
-- before it started (flagged inconsistent above) must not subtract from busy time. And a job
-- CI Radar closed (expired, gone) has no outcome: its conclusion reads as '' here, so that
-- failure rates count it neither way, like a cancelled one. The function is 0008's otherwise.
CREATE OR REPLACE FUNCTION rollup_day_jobs(a timestamptz, b timestamptz, lookback interval)
RETURNS TABLE (created_at timestamptz, dim text, value text, opens boolean, conclusion text, dur double precision, queue_s double precision)
LANGUAGE sql STABLE AS $$
    SELECT x.created_at, x.dim, x.value, x.opens, x.conclusion, x.dur, x.queue_s FROM (
        SELECT j.created_at, v.dim, v.value, CASE WHEN j.closed_by IN ('expired', 'gone') THEN '' ELSE j.conclusion END AS conclusion,
               greatest(extract(epoch FROM j.completed_at - j.started_at)::float8, 0) AS dur, j.queue_s,
               coalesce(lag(j.created_at) OVER (PARTITION BY j.run_id, v.dim, v.value COLLATE "C" ORDER BY j.created_at, j.job_id)
                        < j.created_at - lookback, true) AS opens
        FROM workflow_jobs j
        CROSS JOIN LATERAL (VALUES ('repo', j.repo), ('workflow', j.workflow_name), ('job', j.job_name), ('label', j.label_key)) v(dim, value)
        WHERE j.created_at >= a - lookback AND j.created_at < b AND j.status = 'completed'
    ) x
    WHERE x.created_at >= a
$$;

-- build_results counts a run by its latest attempt; over the rollups (which count every
-- attempt) it takes off the attempts a re-run replaced, found from the re-runs.
CREATE INDEX workflow_runs_reruns_idx ON workflow_runs (created_at) WHERE run_attempt > 1;

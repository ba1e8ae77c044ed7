-- 0034: rollups for the table panels org_overview and runner_builds (issue 18). Both read
-- every run or job of the range: 90 days of org_overview took seconds, most of it the
-- queue-time percentile of every job. A range now reads its final whole days and hours
-- from these tables and only the partial hours at its ends, and what lies past the
-- watermark, from the projections (pkg/query/org_overview.go, runner_builds.go).

-- org_overview per repository and workflow: the runs created in the day or hour, every
-- attempt (the query takes the attempts a re-run replaced off again, as build_results
-- does with rollup_run_hour), and a gap-coded histogram of the queue time of their jobs
-- (as rollup_job_day's, 0011). A row holds runs, jobs or both: run_rows is 0 for a
-- repository and workflow that only had jobs in the hour. The head of the default branch
-- is not rolled up: the query finds it through workflow_runs_default_head_idx, exactly.
CREATE TABLE rollup_overview_day (
    day            timestamptz NOT NULL,
    repo           text        NOT NULL,
    workflow_name  text        NOT NULL,
    run_rows       bigint      NOT NULL,
    runs           bigint      NOT NULL, -- completed
    failures       bigint      NOT NULL,
    decided        bigint      NOT NULL, -- failed or succeeded
    last_activity  timestamptz,
    default_branch text,
    queue_hist     bytea       NOT NULL,
    PRIMARY KEY (day, repo, workflow_name)
);

CREATE TABLE rollup_overview_hour (
    hour           timestamptz NOT NULL,
    repo           text        NOT NULL,
    workflow_name  text        NOT NULL,
    run_rows       bigint      NOT NULL,
    runs           bigint      NOT NULL,
    failures       bigint      NOT NULL,
    decided        bigint      NOT NULL,
    last_activity  timestamptz,
    default_branch text,
    queue_hist     bytea       NOT NULL,
    PRIMARY KEY (hour, repo, workflow_name)
);

-- runner_builds per label set and conclusion: the completed jobs created in the day or
-- hour and the seconds they ran, summed as numeric so that a range's sum is the one the
-- projections give to the last digit.
CREATE TABLE rollup_build_day (
    day        timestamptz NOT NULL,
    label_key  text        NOT NULL,
    conclusion text        NOT NULL,
    builds     bigint      NOT NULL,
    busy_s     numeric     NOT NULL,
    PRIMARY KEY (day, label_key, conclusion)
);

CREATE TABLE rollup_build_hour (
    hour       timestamptz NOT NULL,
    label_key  text        NOT NULL,
    conclusion text        NOT NULL,
    builds     bigint      NOT NULL,
    busy_s     numeric     NOT NULL,
    PRIMARY KEY (hour, label_key, conclusion)
);

-- The latest completed run on the default branch, per repository and workflow, read
-- backwards from the range's end. Neither the key nor the predicate changes after a run is
-- first stored, so the update that completes a run stays HOT; the status is checked on the
-- row, and nearly every run it finds is completed.
CREATE INDEX workflow_runs_default_head_idx ON workflow_runs (repo, workflow_name, created_at DESC, run_id DESC)
    WHERE default_branch <> '' AND head_branch = default_branch;

-- rollup_table_days recomputes both grains of both tables for every UTC day [a, b) touches,
-- from one pass over the day's runs and one over its jobs.
CREATE FUNCTION rollup_table_days(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    origin constant timestamptz := '1970-01-01T00:00:00Z';
    d0 constant timestamptz := date_bin('1 day', a, origin);
    d1 constant timestamptz := date_bin('1 day', b - interval '1 microsecond', origin) + interval '1 day';
BEGIN
    DELETE FROM rollup_overview_day WHERE day >= d0 AND day < d1;
    DELETE FROM rollup_overview_hour WHERE hour >= d0 AND hour < d1;
    WITH runs AS (
        SELECT g.grain, g.t, r.repo, r.workflow_name, count(*) AS run_rows,
               count(*) FILTER (WHERE r.status = 'completed') AS runs,
               count(*) FILTER (WHERE r.conclusion IN ('failure', 'timed_out', 'startup_failure')) AS failures,
               count(*) FILTER (WHERE r.conclusion IN ('failure', 'timed_out', 'startup_failure', 'success')) AS decided,
               max(r.created_at) AS last_activity, max(r.default_branch) AS default_branch
        FROM workflow_runs r
        CROSS JOIN LATERAL (VALUES ('d', date_bin('1 day', r.created_at, origin)),
                                   ('h', date_bin('1 hour', r.created_at, origin))) g(grain, t)
        WHERE r.created_at >= d0 AND r.created_at < d1
        GROUP BY 1, 2, 3, 4
    ), jobs AS (
        SELECT grain, t, repo, workflow_name, string_agg(rollup_varint(gap) || rollup_varint(c), ''::bytea ORDER BY k) AS h
        FROM (SELECT grain, t, repo, workflow_name, k, count(*)::int AS c,
                     k - coalesce(lag(k) OVER (PARTITION BY grain, t, repo, workflow_name ORDER BY k), 0) AS gap
              FROM (SELECT g.grain, g.t, j.repo, j.workflow_name, rollup_bucket(j.queue_s) AS k
                    FROM workflow_jobs j
                    CROSS JOIN LATERAL (VALUES ('d', date_bin('1 day', j.created_at, origin)),
                                               ('h', date_bin('1 hour', j.created_at, origin))) g(grain, t)
                    WHERE j.created_at >= d0 AND j.created_at < d1 AND j.queue_s IS NOT NULL) x
              GROUP BY 1, 2, 3, 4, 5) y
        GROUP BY 1, 2, 3, 4
    ), rows AS MATERIALIZED (
        SELECT grain, t, repo, workflow_name, coalesce(r.run_rows, 0) AS run_rows, coalesce(r.runs, 0) AS runs,
               coalesce(r.failures, 0) AS failures, coalesce(r.decided, 0) AS decided, r.last_activity, r.default_branch,
               coalesce(j.h, ''::bytea) AS h
        FROM runs r FULL JOIN jobs j USING (grain, t, repo, workflow_name)
    ), days AS (
        INSERT INTO rollup_overview_day
        SELECT t, repo, workflow_name, run_rows, runs, failures, decided, last_activity, default_branch, h FROM rows WHERE grain = 'd'
    )
    INSERT INTO rollup_overview_hour
    SELECT t, repo, workflow_name, run_rows, runs, failures, decided, last_activity, default_branch, h FROM rows WHERE grain = 'h';

    DELETE FROM rollup_build_day WHERE day >= d0 AND day < d1;
    DELETE FROM rollup_build_hour WHERE hour >= d0 AND hour < d1;
    WITH rows AS MATERIALIZED (
        SELECT g.grain, g.t, j.label_key, j.conclusion, count(*) AS builds,
               coalesce(sum(greatest(extract(epoch FROM j.completed_at - j.started_at), 0)), 0) AS busy_s
        FROM workflow_jobs j
        CROSS JOIN LATERAL (VALUES ('d', date_bin('1 day', j.created_at, origin)),
                                   ('h', date_bin('1 hour', j.created_at, origin))) g(grain, t)
        WHERE j.created_at >= d0 AND j.created_at < d1 AND j.status = 'completed' AND j.label_key <> ''
        GROUP BY 1, 2, 3, 4
    ), days AS (
        INSERT INTO rollup_build_day SELECT t, label_key, conclusion, builds, busy_s FROM rows WHERE grain = 'd'
    )
    INSERT INTO rollup_build_hour SELECT t, label_key, conclusion, builds, busy_s FROM rows WHERE grain = 'h';
END
$$;

GRANT SELECT ON rollup_overview_day, rollup_overview_hour, rollup_build_day, rollup_build_hour TO ciradar_reader;

-- The new tables are empty for every hour already final: roll them up here, day by day, for
-- what the refresher has marked final so far, so that the other rollups keep their state
-- (forgetting it would make the next refresh roll every table of the whole store again).
DO $$
DECLARE
    s record;
    d timestamptz;
BEGIN
    SELECT floor, watermark INTO s FROM rollup_state;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    d := s.floor;
    WHILE d < s.watermark LOOP
        PERFORM rollup_table_days(d, least(d + interval '1 day', s.watermark));
        d := date_bin('1 day', d, '1970-01-01T00:00:00Z') + interval '1 day';
    END LOOP;
END
$$;

-- nightly_failures reads, for each of up to 5,000 scheduled runs, its failed jobs and the
-- error signatures found in their logs (the reconciler scans failed jobs' logs only). This
-- index holds just the failed jobs, by run: most runs have none, and reading every job of
-- each run was most of the query. The update that completes a job already changes an
-- indexed predicate (workflow_jobs_failures_idx), so it adds one index entry per failed
-- job and nothing for the others.
CREATE INDEX workflow_jobs_failed_run_idx ON workflow_jobs (run_id, run_attempt)
    WHERE conclusion IN ('failure', 'timed_out', 'startup_failure');

-- error_signatures names, beside each signature listed, the step its jobs failed at most
-- often: for each of them, a job lookup per occurrence in the range (thousands over 90
-- days), which read scattered pages of workflow_jobs. The jobs with a failed step are a few
-- percent of all; this index answers those lookups by itself (index-only). failed_step is
-- set by the update that completes a job, which already changes indexed predicates.
CREATE INDEX workflow_jobs_failed_step_idx ON workflow_jobs (job_id, forge) INCLUDE (failed_step)
    WHERE failed_step <> '';

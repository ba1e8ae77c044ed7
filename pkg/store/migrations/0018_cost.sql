-- 0018: cost and runner demand (issue 16). The repository's visibility is kept on each job,
-- billable minutes are rolled up per day and hour, and GitHub's own billing usage report is
-- stored beside the estimate, never mixed into it.
--
-- Cost itself is not stored: a job's billable minutes (its run time rounded up to the whole
-- minute) are a fact, its price is not. The rates live in the data source's settings and are
-- applied at query time (pkg/query/cost_rates.go), so a new rate re-prices the history.

-- repo_visibility is the repository's visibility when the job's deliveries were sent:
-- 'public', 'private' or 'internal' (payload repository.visibility, else repository.private),
-- '' when no delivery said. GitHub bills standard hosted runners in private and internal
-- repositories only. Filled by the projection; `ciradar reproject` fills old rows.
ALTER TABLE workflow_jobs ADD COLUMN repo_visibility text NOT NULL DEFAULT '';

-- The billable minutes of completed jobs that ran on a runner, per day (and per hour, for
-- the hours around the days of a range), by the time the job was created, as the other job
-- rollups count them. dim is 'repo', 'workflow', 'label' or 'event' (the run's trigger);
-- label_key and visibility are kept beside every value because the price depends on them.
-- minutes is the sum of each job's whole minutes, rounded up job by job.
CREATE TABLE rollup_cost_day (
    day        timestamptz NOT NULL,
    dim        text        NOT NULL,
    value      text        NOT NULL,
    label_key  text        NOT NULL,
    visibility text        NOT NULL,
    jobs       bigint      NOT NULL,
    minutes    bigint      NOT NULL,
    PRIMARY KEY (day, dim, value, label_key, visibility)
);

CREATE TABLE rollup_cost_hour (
    hour       timestamptz NOT NULL,
    dim        text        NOT NULL,
    value      text        NOT NULL,
    label_key  text        NOT NULL,
    visibility text        NOT NULL,
    jobs       bigint      NOT NULL,
    minutes    bigint      NOT NULL,
    PRIMARY KEY (hour, dim, value, label_key, visibility)
);

-- cost_jobs is one row per completed job created in [a, b) that a runner ran: its dimension
-- values, label set, visibility and whole minutes. pkg/query reads the projections through
-- the same definition for the parts of a range the rollups do not serve.
CREATE FUNCTION cost_jobs(a timestamptz, b timestamptz)
RETURNS TABLE (created_at timestamptz, repo text, workflow_name text, label_key text, event text, visibility text, minutes bigint)
LANGUAGE sql STABLE AS $$
    SELECT j.created_at, j.repo, j.workflow_name, j.label_key, coalesce(r.event, ''), j.repo_visibility,
           ceil(greatest(extract(epoch FROM j.completed_at - j.started_at), 0) / 60)::bigint
    FROM workflow_jobs j
    LEFT JOIN workflow_runs r ON r.run_id = j.run_id AND r.run_attempt = j.run_attempt
    WHERE j.created_at >= a AND j.created_at < b AND j.status = 'completed' AND j.runner_name <> ''
      AND j.started_at IS NOT NULL AND j.completed_at IS NOT NULL
$$;

-- rollup_cost recomputes both grains for every day that [a, b) touches, whole days, as
-- rollup_days (0011) does for the other job rollups.
CREATE FUNCTION rollup_cost(a timestamptz, b timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    origin constant timestamptz := '1970-01-01T00:00:00Z';
    d0 constant timestamptz := date_bin('1 day', a, origin);
    d1 constant timestamptz := date_bin('1 day', b - interval '1 microsecond', origin) + interval '1 day';
BEGIN
    DELETE FROM rollup_cost_day WHERE day >= d0 AND day < d1;
    DELETE FROM rollup_cost_hour WHERE hour >= d0 AND hour < d1;
    WITH x AS MATERIALIZED (
        SELECT g.grain, g.t, v.dim, v.value, c.label_key, c.visibility, c.minutes
        FROM cost_jobs(d0, d1) c
        CROSS JOIN LATERAL (VALUES ('repo', c.repo), ('workflow', c.workflow_name), ('label', c.label_key), ('event', c.event)) v(dim, value)
        CROSS JOIN LATERAL (VALUES ('d', date_bin('1 day', c.created_at, origin)),
                                   ('h', date_bin('1 hour', c.created_at, origin))) g(grain, t)
    ), rows AS MATERIALIZED (
        SELECT grain, t, dim, value, label_key, visibility, count(*) AS jobs, sum(minutes) AS minutes
        FROM x GROUP BY 1, 2, 3, 4, 5, 6
    ), days AS (
        INSERT INTO rollup_cost_day SELECT t, dim, value, label_key, visibility, jobs, minutes FROM rows WHERE grain = 'd'
    )
    INSERT INTO rollup_cost_hour SELECT t, dim, value, label_key, visibility, jobs, minutes FROM rows WHERE grain = 'h';
END
$$;

-- GitHub's billing usage report (enhanced billing platform), one row per line item as
-- GitHub sent it: the reconciler replaces an organisation's items of a day whole.
CREATE TABLE billing_usage (
    org            text             NOT NULL,
    day            date             NOT NULL,
    product        text             NOT NULL,
    sku            text             NOT NULL,
    repository     text             NOT NULL,
    unit_type      text             NOT NULL,
    quantity       double precision NOT NULL,
    price_per_unit double precision NOT NULL,
    gross_amount   double precision NOT NULL,
    discount_amount double precision NOT NULL,
    net_amount     double precision NOT NULL,
    PRIMARY KEY (org, day, product, sku, repository)
);

-- Whether each organisation's report could be read: 'ok', or 'unavailable' when GitHub
-- answered 403 or 404 (no enhanced billing platform, or a token without the organisation's
-- Administration read permission). The reconciler asks again a day later, never sooner.
CREATE TABLE billing_state (
    org        text        PRIMARY KEY,
    status     text        NOT NULL,
    http_code  integer     NOT NULL,
    checked_at timestamptz NOT NULL
);

GRANT SELECT ON rollup_cost_day, rollup_cost_hour, billing_usage, billing_state TO ciradar_reader;

-- The cost rollups are empty for every hour already final: forget the state, so that the
-- next refresh rolls the whole store up again (until then, queries read the projections).
DELETE FROM rollup_state;

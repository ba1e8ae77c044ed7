-- 0010: cheaper reads for queue_time, nightly_failures, failed-run annotations and
-- error_signatures (measured in BENCHMARKS.md, "Data source queries").

-- queue_time over long ranges read two arrays per rollup row, and decoding them (and sending
-- them: every element carries a 4-byte length) cost more than the query itself. hist is the
-- same histogram as (bucket int2, count int4) pairs, big-endian, ascending by bucket: one
-- bytea that is copied as it is. A generated column, so that rollup_hours (0007) fills it
-- without being replaced here.
CREATE FUNCTION rollup_pack_hist(b smallint[], n integer[]) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT coalesce(string_agg(int2send(x.b) || int4send(x.n), ''::bytea ORDER BY x.i), ''::bytea)
    FROM unnest(b, n) WITH ORDINALITY AS x(b, n, i)
$$;

ALTER TABLE rollup_queue_hour
    ADD COLUMN hist bytea GENERATED ALWAYS AS (rollup_pack_hist(hist_b, hist_n)) STORED;

-- nightly_failures reads scheduled runs, newest night first, up to 5,000. This index holds
-- just those runs (an eighth of all in the benchmark, far fewer in most organisations), in
-- the answer's order, so the scan stops at the limit instead of sorting every scheduled run
-- in the range. The night is date_bin to the epoch, UTC midnight: date_trunc with a time
-- zone is only stable, and cannot be indexed. None of these columns changes after a run is
-- first stored, so updates of a run stay HOT.
CREATE INDEX workflow_runs_nightly_idx ON workflow_runs
    (date_bin('1 day', created_at, '1970-01-01 00:00:00+00') DESC, repo, workflow_name, run_id DESC, run_attempt DESC)
    WHERE event = 'schedule';

-- Failed-run annotations read failed runs on default branches: a few percent of runs, which
-- this index finds without reading the rest of the range. Its predicate names conclusion,
-- so the update that completes a run (and sets it) is no longer HOT: one more index write
-- per run, on a table with a quarter of the jobs' rows and updates.
CREATE INDEX workflow_runs_failed_default_idx ON workflow_runs (created_at)
    WHERE conclusion IN ('failure', 'timed_out', 'startup_failure') AND default_branch <> '' AND head_branch = default_branch;

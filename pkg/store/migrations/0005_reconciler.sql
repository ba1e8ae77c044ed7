-- 0005: the reconciler's state (issue 5): checkpoints, redelivery attempts, stuck-job
-- confirmations and log scans, and the self-hosted runner inventory with its samples.

-- One row per resumable position: a hook's delivery list ('hook:org:acme:123',
-- 'hook:app'), or a backfill of one repository ('backfill:acme/api'). position is the
-- newest delivery id handled (hooks); at is the time the position stands for.
CREATE TABLE reconcile_checkpoints (
    name       text PRIMARY KEY,
    position   bigint      NOT NULL DEFAULT 0,
    at         timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Redeliveries asked of GitHub, per delivery GUID, so that one that keeps failing is given
-- up after a few tries instead of being asked for on every cycle.
CREATE TABLE redelivery_attempts (
    guid            text PRIMARY KEY,
    hook            text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    last_attempt_at timestamptz NOT NULL,
    last_result     text        NOT NULL DEFAULT ''
);

-- Jobs the stuck-job sweep asked GitHub about: the status GitHub gave and when. A job that
-- GitHub still reports queued is "confirmed still queued at" confirmed_at.
CREATE TABLE job_confirmations (
    job_id       bigint PRIMARY KEY,
    api_status   text        NOT NULL,
    confirmed_at timestamptz NOT NULL,
    checks       integer     NOT NULL DEFAULT 1
);

-- One row per failed job whose log was looked at. state: scanned (signature found), empty
-- (no error line found), expired (GitHub answered 404 or 410: never retried), error (a
-- transient failure, retried a bounded number of times).
CREATE TABLE log_scans (
    job_id         bigint PRIMARY KEY,
    repo           text        NOT NULL DEFAULT '',
    state          text        NOT NULL,
    http_status    integer     NOT NULL DEFAULT 0,
    attempts       integer     NOT NULL DEFAULT 1,
    bytes_read     bigint      NOT NULL DEFAULT 0,
    signature_hash text,
    scanned_at     timestamptz NOT NULL
);
CREATE INDEX log_scans_retry_idx ON log_scans (scanned_at) WHERE state = 'error';

-- Self-hosted runners as the REST API lists them, per scope ('org:acme',
-- 'repo:acme/api', 'enterprise:big'). Runner ids are unique within a scope. A runner no
-- longer listed keeps its row with removed_at set.
CREATE TABLE runners (
    scope             text        NOT NULL,
    runner_id         bigint      NOT NULL,
    name              text        NOT NULL,
    os                text        NOT NULL DEFAULT '',
    labels            text[]      NOT NULL DEFAULT '{}',
    -- sorted labels joined by ',', like workflow_jobs.label_key (but all of the runner's labels)
    label_key         text        NOT NULL DEFAULT '',
    runner_group_name text        NOT NULL DEFAULT '',
    status            text        NOT NULL,
    busy              boolean     NOT NULL DEFAULT false,
    first_seen_at     timestamptz NOT NULL,
    last_seen_at      timestamptz NOT NULL,
    removed_at        timestamptz,
    PRIMARY KEY (scope, runner_id)
);
CREATE INDEX runners_name_idx ON runners (name);

-- One row per runner per reconcile cycle: status now and utilization over time.
CREATE TABLE runner_samples (
    sampled_at timestamptz NOT NULL,
    scope      text        NOT NULL,
    runner_id  bigint      NOT NULL,
    name       text        NOT NULL,
    label_key  text        NOT NULL DEFAULT '',
    status     text        NOT NULL,
    busy       boolean     NOT NULL,
    PRIMARY KEY (sampled_at, scope, runner_id)
);
-- Samples only ever append in time order: a BRIN index keeps time-range reads and pruning
-- cheap at a fraction of a btree's size.
CREATE INDEX runner_samples_time_brin ON runner_samples USING brin (sampled_at);

GRANT SELECT ON reconcile_checkpoints, redelivery_attempts, job_confirmations, log_scans, runners, runner_samples
    TO ciradar_reader;

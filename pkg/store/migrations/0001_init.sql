-- 0001: the raw delivery log and the two job projections.

-- deliveries is the source of truth: every signed delivery GitHub sent us, as received.
-- The payload is kept as bytea rather than jsonb: parsing jsonb on insert was the biggest
-- cost in the write path, and the projections already hold every field that is queried.
CREATE TABLE deliveries (
    delivery_id text PRIMARY KEY,
    event       text        NOT NULL,
    action      text        NOT NULL DEFAULT '',
    hook_id     bigint,
    target_type text        NOT NULL DEFAULT '',
    target_id   bigint,
    received_at timestamptz NOT NULL,
    payload     bytea       NOT NULL
);
-- Retention prunes by received_at, and health asks for the newest delivery (max needs a
-- btree; rows arrive in time order, so inserts only touch the rightmost leaf).
CREATE INDEX deliveries_received_at_idx ON deliveries (received_at);

-- Signed deliveries that could not be parsed: counted and kept (without the body) so that
-- ingest health can show them.
CREATE TABLE delivery_rejections (
    delivery_id text        NOT NULL,
    event       text        NOT NULL,
    reason      text        NOT NULL,
    size_bytes  integer     NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX delivery_rejections_received_at_idx ON delivery_rejections (received_at);

-- workflow_jobs: one row per job, merged from all of its events in any order.
CREATE TABLE workflow_jobs (
    job_id            bigint PRIMARY KEY,
    run_id            bigint      NOT NULL DEFAULT 0,
    run_attempt       integer     NOT NULL DEFAULT 1,
    org               text        NOT NULL DEFAULT '',
    repo              text        NOT NULL DEFAULT '',
    repo_id           bigint      NOT NULL DEFAULT 0,
    workflow_name     text        NOT NULL DEFAULT '',
    job_name          text        NOT NULL DEFAULT '',
    head_branch       text        NOT NULL DEFAULT '',
    head_sha          text        NOT NULL DEFAULT '',
    labels            text[]      NOT NULL DEFAULT '{}',
    -- sorted labels joined by ',': the runner pool a job asked for, as one groupable value.
    label_key         text        NOT NULL DEFAULT '',
    runner_id         bigint,
    runner_name       text        NOT NULL DEFAULT '',
    runner_group_id   bigint,
    runner_group_name text        NOT NULL DEFAULT '',
    status            text        NOT NULL DEFAULT 'queued',
    conclusion        text        NOT NULL DEFAULT '',
    created_at        timestamptz,
    started_at        timestamptz,
    completed_at      timestamptz,
    -- Environment approvals: GitHub's job payload carries no approval time, so the receipt
    -- times of 'waiting' and later 'queued' events bound it. See store/projection.go.
    waiting_since     timestamptz,
    waiting_last_at   timestamptz,
    queued_last_at    timestamptz,
    approval_wait_s   double precision NOT NULL DEFAULT 0,
    -- Seconds from created_at (or the approval) to started_at; NULL until a runner took it.
    queue_s           double precision,
    html_url          text        NOT NULL DEFAULT '',
    run_url           text        NOT NULL DEFAULT '',
    first_seen_at     timestamptz NOT NULL,
    last_seen_at      timestamptz NOT NULL
);
CREATE INDEX workflow_jobs_created_at_idx ON workflow_jobs (created_at);
CREATE INDEX workflow_jobs_run_idx ON workflow_jobs (run_id, run_attempt);
CREATE INDEX workflow_jobs_repo_created_idx ON workflow_jobs (repo, created_at);
-- Jobs not yet completed are few; queued_now and the stuck-job sweep read only them.
CREATE INDEX workflow_jobs_open_idx ON workflow_jobs (status, created_at) WHERE status <> 'completed';

-- workflow_runs: one row per run attempt.
CREATE TABLE workflow_runs (
    run_id           bigint      NOT NULL,
    run_attempt      integer     NOT NULL,
    org              text        NOT NULL DEFAULT '',
    repo             text        NOT NULL DEFAULT '',
    repo_id          bigint      NOT NULL DEFAULT 0,
    workflow_id      bigint      NOT NULL DEFAULT 0,
    workflow_name    text        NOT NULL DEFAULT '',
    display_title    text        NOT NULL DEFAULT '',
    run_number       integer     NOT NULL DEFAULT 0,
    event            text        NOT NULL DEFAULT '',
    actor            text        NOT NULL DEFAULT '',
    triggering_actor text        NOT NULL DEFAULT '',
    status           text        NOT NULL DEFAULT '',
    conclusion       text        NOT NULL DEFAULT '',
    head_branch      text        NOT NULL DEFAULT '',
    head_sha         text        NOT NULL DEFAULT '',
    default_branch   text        NOT NULL DEFAULT '',
    pull_requests    integer[]   NOT NULL DEFAULT '{}',
    created_at       timestamptz,
    run_started_at   timestamptz,
    updated_at       timestamptz,
    html_url         text        NOT NULL DEFAULT '',
    first_seen_at    timestamptz NOT NULL,
    last_seen_at     timestamptz NOT NULL,
    PRIMARY KEY (run_id, run_attempt)
);
CREATE INDEX workflow_runs_created_at_idx ON workflow_runs (created_at);
CREATE INDEX workflow_runs_repo_created_idx ON workflow_runs (repo, created_at);

-- 0019: what the Status dashboard, the error signatures' issue links and the badge read
-- (issue 17).

-- reconciler_stats holds one sample per reconcile cycle: what /metrics shows of the
-- reconciler, kept in the store so that the data source (which never scrapes the
-- receiver) can chart it. rate_limit_remaining is NULL when no answer carried the header
-- (no credential, or no call made). The reconciler deletes samples past 35 days.
CREATE TABLE reconciler_stats (
    sampled_at           timestamptz NOT NULL,
    cycle_seconds        double precision NOT NULL,
    ok                   boolean     NOT NULL,
    api_requests         bigint      NOT NULL DEFAULT 0,
    api_not_modified     bigint      NOT NULL DEFAULT 0,
    rate_limit_remaining bigint,
    redelivered          integer     NOT NULL DEFAULT 0,
    redeliver_backlog    integer     NOT NULL DEFAULT 0,
    stuck_checked        integer     NOT NULL DEFAULT 0,
    stuck_corrected      integer     NOT NULL DEFAULT 0,
    expired              integer     NOT NULL DEFAULT 0,
    gone                 integer     NOT NULL DEFAULT 0,
    logs_scanned         integer     NOT NULL DEFAULT 0,
    issue_searches       integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (sampled_at)
);
GRANT SELECT ON reconciler_stats TO ciradar_reader;

-- The GitHub issue that tracks a signature: found by the reconciler with the search API,
-- an issue whose title or body carries the signature's hash. issue_url is '' until one is
-- found; issue_checked_at says when it last looked, so each signature is asked about
-- again only now and then.
ALTER TABLE error_signatures ADD COLUMN issue_url text NOT NULL DEFAULT '';
ALTER TABLE error_signatures ADD COLUMN issue_title text NOT NULL DEFAULT '';
ALTER TABLE error_signatures ADD COLUMN issue_state text NOT NULL DEFAULT '';
ALTER TABLE error_signatures ADD COLUMN issue_checked_at timestamptz;
CREATE INDEX error_signatures_issue_checked_idx ON error_signatures (issue_checked_at NULLS FIRST);

-- The repository's visibility as the run's events carried it (public, private, internal;
-- '' when they did not say): the badge answers for public repositories only when the
-- operator allows it, and never for one it cannot tell is public.
ALTER TABLE workflow_runs ADD COLUMN repo_visibility text NOT NULL DEFAULT '';

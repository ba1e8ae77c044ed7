-- 0025: GitLab CI as a second source (issue 19). Every projection row says which forge it
-- came from (forge: 'github' or 'gitlab') and which instance (forge_url: its base URL, such
-- as 'https://github.com', 'https://gitlab.com' or a self-managed 'https://git.example.com/gitlab').
--
-- Ids are only unique within a forge: a GitLab job and a GitHub job can both be 42. So every
-- key made of a forge's own ids gains the forge, put last so that the lookups by id alone
-- (the merge's reads, the reconciler's sweeps) still use the same index. The instance is an
-- attribute, not part of a key: a synthetic closure or a reconciler row does not always know
-- it, and a key that one event of a job could miss would split the job into two rows.
-- docs/gitlab.md says what that leaves open (two instances of one forge with clashing ids).

-- The raw log: a delivery's forge says which parser reads it (reproject included). No CHECK
-- here, unlike the projections: the raw log keeps what arrived, and the receiver only ever
-- writes the two values (store.forgeOf). (0024's weekly partitions copy the parent's
-- constraints, so a CHECK added to deliveries later would still let them attach.)
ALTER TABLE deliveries ADD COLUMN forge text NOT NULL DEFAULT 'github';
GRANT SELECT (forge) ON deliveries TO ciradar_reader;
ALTER TABLE delivery_rejections ADD COLUMN forge text NOT NULL DEFAULT 'github'
    CONSTRAINT delivery_rejections_forge_check CHECK (forge IN ('github', 'gitlab'));

-- Jobs. stage is GitLab's stage ('' for GitHub, which has none). allow_failure is GitLab's
-- allow_failure: a failed job that does not fail its pipeline ("passed with warnings").
-- queued_at is when a GitLab job entered 'pending', waiting for a runner: exact once it ran
-- (started_at minus GitLab's queued_duration), an upper bound from the receipt of a pending
-- hook before that; NULL for GitHub, whose queue starts at created_at (after any approval).
-- manual_since is the first receipt of a hook that said the job waits for a person (GitLab's
-- 'manual' status), manual_wait_s that wait, up to queued_at: never part of queue_s.
-- failure_reason is GitLab's own (script_failure, runner_system_failure, ...).
ALTER TABLE workflow_jobs
    ADD COLUMN forge text NOT NULL DEFAULT 'github'
        CONSTRAINT workflow_jobs_forge_check CHECK (forge IN ('github', 'gitlab')),
    ADD COLUMN forge_url text NOT NULL DEFAULT '',
    ADD COLUMN stage text NOT NULL DEFAULT '',
    ADD COLUMN allow_failure boolean NOT NULL DEFAULT false,
    ADD COLUMN queued_at timestamptz,
    ADD COLUMN manual_since timestamptz,
    ADD COLUMN manual_wait_s double precision,
    ADD COLUMN failure_reason text NOT NULL DEFAULT '';
ALTER TABLE workflow_jobs DROP CONSTRAINT workflow_jobs_pkey, ADD PRIMARY KEY (job_id, forge);
-- Every row so far is GitHub's; its instance is the scheme and host of its own link.
UPDATE workflow_jobs SET forge_url = coalesce(substring(html_url FROM '^https?://[^/]+'), '') WHERE html_url <> '';

-- Runs (GitLab pipelines; a pipeline has one attempt, retried jobs are new jobs in it).
ALTER TABLE workflow_runs
    ADD COLUMN forge text NOT NULL DEFAULT 'github'
        CONSTRAINT workflow_runs_forge_check CHECK (forge IN ('github', 'gitlab')),
    ADD COLUMN forge_url text NOT NULL DEFAULT '';
ALTER TABLE workflow_runs DROP CONSTRAINT workflow_runs_pkey, ADD PRIMARY KEY (run_id, run_attempt, forge);
UPDATE workflow_runs SET forge_url = coalesce(substring(html_url FROM '^https?://[^/]+'), '') WHERE html_url <> '';

-- The runner inventory and its samples: runner ids are a forge's own too.
ALTER TABLE runners
    ADD COLUMN forge text NOT NULL DEFAULT 'github'
        CONSTRAINT runners_forge_check CHECK (forge IN ('github', 'gitlab')),
    ADD COLUMN forge_url text NOT NULL DEFAULT '';
ALTER TABLE runners DROP CONSTRAINT runners_pkey, ADD PRIMARY KEY (scope, runner_id, forge);
ALTER TABLE runner_samples
    ADD COLUMN forge text NOT NULL DEFAULT 'github'
        CONSTRAINT runner_samples_forge_check CHECK (forge IN ('github', 'gitlab')),
    ADD COLUMN forge_url text NOT NULL DEFAULT '';
ALTER TABLE runner_samples DROP CONSTRAINT runner_samples_pkey, ADD PRIMARY KEY (sampled_at, scope, runner_id, forge);

-- Error occurrences, log scans and stuck-job confirmations name a job by its id. The
-- signatures themselves stay forge-neutral: the same normalised error line is one signature
-- whichever forge ran the job, so "never seen before" means never, on either.
ALTER TABLE error_occurrences
    ADD COLUMN forge text NOT NULL DEFAULT 'github'
        CONSTRAINT error_occurrences_forge_check CHECK (forge IN ('github', 'gitlab')),
    ADD COLUMN forge_url text NOT NULL DEFAULT '';
ALTER TABLE error_occurrences DROP CONSTRAINT error_occurrences_pkey, ADD PRIMARY KEY (signature_hash, job_id, forge);
ALTER TABLE log_scans
    ADD COLUMN forge text NOT NULL DEFAULT 'github'
        CONSTRAINT log_scans_forge_check CHECK (forge IN ('github', 'gitlab'));
ALTER TABLE log_scans DROP CONSTRAINT log_scans_pkey, ADD PRIMARY KEY (job_id, forge);
ALTER TABLE job_confirmations
    ADD COLUMN forge text NOT NULL DEFAULT 'github'
        CONSTRAINT job_confirmations_forge_check CHECK (forge IN ('github', 'gitlab'));
ALTER TABLE job_confirmations DROP CONSTRAINT job_confirmations_pkey, ADD PRIMARY KEY (job_id, forge);

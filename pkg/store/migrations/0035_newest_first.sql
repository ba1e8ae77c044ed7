-- 0035: the newest-first tables and branch_status read a few keys' runs, not the range
-- (issue 18, BENCHMARKS.md "Session 10: newest-first panels"). Each index is partial, so it
-- holds only the runs its query can read. Only branch_status's names a column a run's
-- completion changes (status), and that update is already not HOT: 0010's failed-run
-- index names conclusion.

-- pull_requests walks the runs on pull requests newest first until it has seen its limit
-- of pull requests (query/newest_keys.go), then reads those pull requests' runs.
CREATE INDEX workflow_runs_pr_created_idx ON workflow_runs (created_at)
    WHERE cardinality(pull_requests) > 0;
CREATE INDEX workflow_runs_pr_key_idx ON workflow_runs (repo, (pull_requests[1]), created_at)
    WHERE cardinality(pull_requests) > 0;

-- refs walks pushes (branches) or releases (tags) the same way. Then per branch or tag it
-- takes the newest run (created_at, run_id: the table's order), the runs on that head
-- commit (head_sha, compared inside the index) and the count of commits, from the index
-- alone (run_attempt and forge: whether a later attempt replaced the run).
CREATE INDEX workflow_runs_ref_created_idx ON workflow_runs (created_at)
    WHERE event IN ('push', 'release') AND head_branch <> '';
CREATE INDEX workflow_runs_ref_key_idx ON workflow_runs (event, repo, head_branch, created_at, run_id, head_sha)
    INCLUDE (run_attempt, forge) WHERE event IN ('push', 'release') AND head_branch <> '';

-- branch_status skips from one repository and workflow to the next through this index, and
-- takes each one's newest completed run on its default branch (created_at, run_id).
CREATE INDEX workflow_runs_default_key_idx ON workflow_runs (repo, workflow_name, created_at, run_id)
    WHERE status = 'completed' AND default_branch <> '' AND head_branch = default_branch;

-- Failed-run annotations take the first 1,000 failed runs on default branches by start
-- time. 0010's index on them now also holds the start time and the run's key, so that the
-- 1,000 are chosen from the index alone and only they are read from the table.
DROP INDEX workflow_runs_failed_default_idx;
CREATE INDEX workflow_runs_failed_default_idx ON workflow_runs (created_at)
    INCLUDE (run_started_at, run_id, run_attempt, forge)
    WHERE conclusion IN ('failure', 'timed_out', 'startup_failure') AND default_branch <> '' AND head_branch = default_branch;

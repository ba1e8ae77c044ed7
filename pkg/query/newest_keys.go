package query

// keyWalk finds the newest keys of a newest-first table (pull_requests, refs) without
// reading the whole range: those tables list the limit keys (a repository and a pull
// request, or a repository and a branch) whose newest run is the newest, and a 400-day
// panel used to group every run of the range by key to find 50 of them (issue 18).
//
// The walk reads runs newest first, one step per key: each step takes the newest run not
// after the last step's whose key is not yet seen. A key not yet seen has all its runs at
// or before the last step's (else an earlier step would have taken it), so step i finds
// the key whose newest run is the i-th newest, and the walk stops after limit steps,
// continuing only while the next key's newest run ties with the last one's (the tables
// break such ties by key). Each step starts where the last one stopped, so the walk reads
// the runs between now and the limit-th key once. Only those keys' runs are then read,
// over the whole range, as the table needs them (the head commit's runs may be older).
type keyWalk struct {
	k1, k2   string // the key's two expressions over workflow_runs aliased r
	from, to string // placeholders of the range
	limit    string // placeholder of the number of keys
	// cond writes the conditions (each starting with " AND ") a run must meet to count:
	// the table's own, its filters and the scope. It is written once per read, so that
	// the walk and the key reads see the same runs.
	cond func()
}

// latestAttemptOf is latestAttempt (build_results.go) with what it implies spelled out: a
// later attempt is above 1, as attempts start at 1 (the store keeps GitHub's missing 0 as
// 1, GitLab's pipelines are all 1). So the planner may read the few re-runs through their
// partial index (0015) once, as a hash, instead of probing the primary key for every run
// of a ref: 10,000 probes took 75 ms of refs' 400 days.
const latestAttemptOf = " AND NOT EXISTS (SELECT 1 FROM workflow_runs la WHERE la.run_id = r.run_id AND la.forge = r.forge" +
	" AND la.run_attempt > r.run_attempt AND la.run_attempt > 1)"

// walk writes the CTE "walk" (the statement must start WITH RECURSIVE), whose k1 and k2
// are the keys found, one row per key.
func (k keyWalk) walk(st *stmt) {
	// Seen keys are kept as text, the first part's length in front so that no two keys
	// read alike: an array of records cost half a millisecond a step to grow and compare.
	key := func() string { return "(length(" + k.k1 + ")::text || ':' || " + k.k1 + " || (" + k.k2 + ")::text)" }
	st.add("walk AS (\n",
		"  (SELECT ", k.k1, " AS k1, ", k.k2, " AS k2, r.created_at AS at, ARRAY[", key(), "] AS seen, 1 AS n\n",
		"   FROM workflow_runs r WHERE r.created_at >= ", k.from, " AND r.created_at < ", k.to)
	k.cond()
	st.add("\n   ORDER BY r.created_at DESC LIMIT 1)\n",
		"  UNION ALL\n",
		"  SELECT x.k1, x.k2, x.at, w.seen || x.key, w.n + 1\n",
		"  FROM walk w CROSS JOIN LATERAL (\n",
		"    SELECT ", k.k1, " AS k1, ", k.k2, " AS k2, r.created_at AS at, ", key(), " AS key FROM workflow_runs r\n",
		"    WHERE r.created_at >= ", k.from, " AND r.created_at <= w.at AND ", key(), " <> ALL (w.seen)")
	k.cond()
	st.add("\n    ORDER BY r.created_at DESC LIMIT 1) x\n",
		"  WHERE w.n < ", k.limit, " OR x.at = w.at\n",
		")")
}

// runs writes a select of cols (over workflow_runs aliased r) from every run of the
// walk's keys in the range that meets cond, key by key through an index on the key.
func (k keyWalk) runs(st *stmt, cols string) {
	st.add("  SELECT ", cols, " FROM (SELECT DISTINCT k1, k2 FROM walk) k CROSS JOIN LATERAL (\n",
		"    SELECT r.* FROM workflow_runs r WHERE ", k.k1, " = k.k1 AND ", k.k2, " = k.k2",
		" AND r.created_at >= ", k.from, " AND r.created_at < ", k.to)
	k.cond()
	st.add(") r")
}

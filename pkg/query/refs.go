package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// refsModel is the refs query: kind "branches" (pushes, the default) or "releases".
type refsModel struct {
	common
	Kind  string `json:"kind"`
	Limit int    `json:"limit"`
}

// refEvents are the trigger event behind each kind. GitHub runs a release's workflows on
// its tag, and names the tag as the run's head branch; a push of a tag alone is a push.
// One event each, compared with =, so that the event leads workflow_runs_ref_key_idx
// (0035) and the index keeps each ref's runs in time order.
var refEvents = map[string]string{
	"branches": "push",
	"releases": "release",
}

// Refs answers refs: the branches pushed to (kind branches) or the releases published
// (kind releases) in the range, newest first, one row per branch or tag with its latest
// commit, how many commits were pushed, and the result of that latest commit's runs,
// summed up as pull_requests does (failure, in_progress, success, cancelled).
func Refs(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m refsModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	kind, err := oneOf("kind", m.Kind, "branches", "branches", "releases")
	if err != nil {
		return nil, err
	}
	limit, err := limitOf(m.Limit, 50, 1000)
	if err != nil {
		return nil, err
	}
	st := newStmt("refs")
	w := webLinks(st, env).at("forge", "forge_url")
	// The newest limit branches or tags are found by a walk (newest_keys.go) instead of
	// grouping every run of the range. Then each one's newest run, the runs on its head
	// commit and the count of its commits are read through workflow_runs_ref_key_idx
	// (0035), the count from the index alone.
	event := st.arg(refEvents[kind])
	kw := keyWalk{k1: "r.repo", k2: "r.head_branch", from: st.arg(req.From), to: st.arg(req.To), limit: st.arg(limit),
		cond: func() {
			st.add(" AND r.event = ", event, " AND r.head_branch <> ''", latestAttemptOf)
			m.Filters.where(st, runFilters.without("conclusions", "events"))
		}}
	ofKey := func(repo, branch string) {
		st.add("r.repo = ", repo, " AND r.head_branch = ", branch, " AND r.created_at >= ", kw.from, " AND r.created_at < ", kw.to)
		kw.cond()
	}
	st.add("WITH RECURSIVE ")
	kw.walk(st)
	st.add(", keys AS (SELECT DISTINCT k1 AS repo, k2 AS head_branch FROM walk",
		"), head AS (\n",
		"  SELECT h.* FROM keys k CROSS JOIN LATERAL (\n",
		"    SELECT r.repo, r.head_branch, r.forge, r.forge_url, r.head_sha, r.display_title, r.actor, r.created_at\n",
		"    FROM workflow_runs r WHERE ")
	ofKey("k.repo", "k.head_branch")
	st.add("\n    ORDER BY r.created_at DESC, r.run_id DESC LIMIT 1) h\n",
		"), wf AS (\n",
		"  SELECT DISTINCT ON (r.repo, r.head_branch, r.workflow_name) r.repo, r.head_branch, r.status, r.conclusion, r.run_id\n",
		"  FROM head h JOIN workflow_runs r ON r.head_sha = h.head_sha AND ")
	ofKey("h.repo", "h.head_branch")
	st.add("\n  ORDER BY r.repo, r.head_branch, r.workflow_name, r.created_at DESC, r.run_id DESC\n",
		"), commits AS (\n",
		"  SELECT r.repo, r.head_branch, count(DISTINCT r.head_sha)::float8 AS commits\n",
		"  FROM keys k JOIN workflow_runs r ON ")
	ofKey("k.repo", "k.head_branch")
	st.add("\n  GROUP BY r.repo, r.head_branch\n",
		"), ref AS (\n",
		"  SELECT h.repo, h.head_branch, h.forge, h.forge_url, h.head_sha, h.display_title, h.actor, h.created_at, c.commits,\n",
		"    CASE WHEN bool_or(wf.conclusion IN ", failed, ") THEN 'failure'\n",
		"      WHEN bool_or(wf.status <> 'completed') THEN 'in_progress'\n",
		"      WHEN bool_and(wf.conclusion IN ('success', 'skipped', 'neutral')) THEN 'success' ELSE 'cancelled' END AS result,\n",
		"    (array_agg(wf.run_id ORDER BY (wf.conclusion IN ", failed, ") DESC, wf.run_id DESC))[1] AS run_id\n",
		"  FROM head h JOIN wf USING (repo, head_branch) JOIN commits c USING (repo, head_branch)\n",
		"  GROUP BY h.repo, h.head_branch, h.forge, h.forge_url, h.head_sha, h.display_title, h.actor, h.created_at, c.commits\n",
		"  ORDER BY h.created_at DESC, h.repo, h.head_branch LIMIT ", kw.limit, "\n",
		")\n",
		"SELECT repo, head_branch, left(head_sha, 7), display_title, actor, created_at, commits, result, run_id,\n",
		"  ", w.commit("repo", "head_sha"), ", ", w.run("repo", "run_id"), ", ", w.repo("repo"), ", forge\n",
		"FROM ref ORDER BY created_at DESC, repo, head_branch")

	name := "branch"
	if kind == "releases" {
		name = "tag"
	}
	f := data.NewFrame("refs",
		data.NewField("repo", nil, []string{}),
		data.NewField(name, nil, []string{}),
		data.NewField("commit", nil, []string{}),
		data.NewField("title", nil, []string{}),
		data.NewField("actor", nil, []string{}),
		data.NewField("last_run_at", nil, []*time.Time{}),
		data.NewField("commits", nil, []float64{}),
		data.NewField("result", nil, []string{}),
		data.NewField("run_id", nil, []*int64{}),
		link(data.NewField("commit_url", nil, []*string{}), "Open commit"),
		link(data.NewField("run_url", nil, []*string{}), "Open run"),
		link(data.NewField("repo_url", nil, []*string{}), "Open repository"),
		data.NewField("forge", nil, []string{}), // github or gitlab: the Pipeline dashboard's links name it
	)
	return table(ctx, env.DB, st, f)
}

package query

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// commitGridModel is the commit_grid query: one repository and branch.
type commitGridModel struct {
	common
	Repo   string `json:"repo"`
	Branch string `json:"branch"`
	Limit  int    `json:"limit"`
}

// maxGridJobs bounds the columns: past it the grid is unreadable anyway, and a hostile
// matrix must not make a frame of thousands of fields.
const maxGridJobs = 300

// firstFailure is the cell of a job that failed on a commit after passing on the commit
// before it that ran the job: where it broke. Dashboards colour it apart from "failure".
const firstFailure = "first_failure"

// gridCell is one job's result on one commit, as read.
type gridCell struct {
	sha, key, result string
	url              *string
}

// CommitGrid answers commit_grid, the view PyTorch's HUD made popular: the branch's
// newest commits first (a commit's time is its first run's), one column per workflow job
// ("workflow / job", a matrix leg being its own job), each cell the conclusion of the job's
// latest attempt on that commit, or its status while it runs. A failure that follows a
// pass of the same job on the commit before it is first_failure, and the row's
// new_failures names those jobs: the commit where each broke. Each cell links to its job
// through the hidden field beside it (job_NNN_url); the field's display name is the job.
func CommitGrid(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m commitGridModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	if m.Repo == "" || values([]string{m.Repo}) == nil || m.Branch == "" || values([]string{m.Branch}) == nil {
		return nil, badQuery("commit_grid needs one repo and one branch")
	}
	limit, err := limitOf(m.Limit, 50, 500)
	if err != nil {
		return nil, err
	}
	st := newStmt("commit_grid")
	w := webLinks(st, env)
	repo, from, to := st.arg(m.Repo), st.arg(req.From), st.arg(req.To)
	st.add("WITH commits AS (\n",
		"  SELECT r.head_sha, min(r.created_at) AS first_at, (array_agg(r.display_title ORDER BY r.created_at))[1] AS title,\n",
		// A repository and branch are one forge's: its links are on that forge.
		"    min(r.forge) AS forge, min(r.forge_url) AS forge_url\n",
		"  FROM workflow_runs r WHERE r.repo = ", repo, " AND r.head_branch = ", st.arg(m.Branch),
		" AND r.head_sha <> '' AND r.created_at >= ", from, " AND r.created_at < ", to)
	m.Filters.where(st, runFilters.without("repos", "branches", "conclusions"))
	st.add("\n  GROUP BY r.head_sha ORDER BY first_at DESC LIMIT ", st.arg(limit), "\n)\n",
		"SELECT c.head_sha, c.first_at, c.title, ", w.at("c.forge", "c.forge_url").commit(repo, "c.head_sha"), ", j.key, j.result, j.url\n",
		"FROM commits c LEFT JOIN (\n",
		"  SELECT DISTINCT ON (j.head_sha, j.workflow_name, j.job_name) j.head_sha, j.workflow_name || ' / ' || j.job_name AS key,\n",
		"    CASE WHEN j.status = 'completed' THEN j.conclusion ELSE j.status END AS result, ", w.at("j.forge", "j.forge_url").job("j.repo", "j.run_id", "j.job_id"), " AS url\n",
		// Re-runs made later than the range still belong to the commits shown.
		"  FROM workflow_jobs j WHERE j.repo = ", repo, " AND j.created_at >= ", from, " AND j.head_sha <> ''")
	m.Filters.where(st, jobFilters.without("repos", "branches", "conclusions", "events"))
	st.add("\n  ORDER BY j.head_sha, j.workflow_name, j.job_name, j.run_attempt DESC, j.job_id DESC\n",
		") j ON j.head_sha = c.head_sha\n",
		"ORDER BY c.first_at DESC, c.head_sha, j.key")

	g := commitRows{col: map[string]int{}}
	var cur string
	err = collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var sha, title string
		var at time.Time
		var commitURL, key, result, url *string
		if err := r.Scan(&sha, &at, &title, &commitURL, &key, &result, &url); err != nil {
			return err
		}
		if sha != cur {
			cur = sha
			g.addCommit(sha, at, title, commitURL)
		}
		if key != nil && result != nil {
			g.cells = append(g.cells, gridCell{sha: sha, key: *key, result: *result, url: url})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return data.Frames{finish(g.frame(), st, data.FrameTypeTable)}, nil
}

// commitRows collects the rows (commits, newest first) and the cells before the frame is laid out.
type commitRows struct {
	shas    []string
	row     map[string]int
	at      []time.Time
	titles  []string
	links   []*string
	cells   []gridCell
	col     map[string]int
	columns []string
}

func (g *commitRows) addCommit(sha string, at time.Time, title string, url *string) {
	if g.row == nil {
		g.row = map[string]int{}
	}
	g.row[sha] = len(g.shas)
	g.shas, g.at, g.titles, g.links = append(g.shas, sha), append(g.at, at.UTC()), append(g.titles, title), append(g.links, url)
}

func isFailed(result string) bool {
	return result == "failure" || result == "timed_out" || result == "startup_failure"
}

func (g *commitRows) frame() *data.Frame {
	for _, c := range g.cells {
		if _, ok := g.col[c.key]; !ok && len(g.col) < maxGridJobs {
			g.col[c.key] = 0
		}
	}
	for k := range g.col {
		g.columns = append(g.columns, k)
	}
	sort.Strings(g.columns)
	for i, k := range g.columns {
		g.col[k] = i
	}
	n := len(g.shas)
	results := make([][]*string, len(g.columns))
	urls := make([][]*string, len(g.columns))
	for i := range g.columns {
		results[i], urls[i] = make([]*string, n), make([]*string, n)
	}
	for _, c := range g.cells {
		i, ok := g.col[c.key]
		if !ok {
			continue
		}
		res := c.result
		results[i][g.row[c.sha]], urls[i][g.row[c.sha]] = &res, c.url
	}
	newFailures := make([]string, n)
	// Oldest commit first: a failure is the first when the job's previous result passed.
	for i, key := range g.columns {
		prev := ""
		for r := n - 1; r >= 0; r-- {
			res := results[i][r]
			if res == nil {
				continue
			}
			if isFailed(*res) && prev == "success" {
				ff := firstFailure
				results[i][r] = &ff
				newFailures[r] = joinNames(newFailures[r], key)
			}
			if *res != "cancelled" && *res != "skipped" && *res != "queued" && *res != "in_progress" && *res != "waiting" {
				prev = *res
			}
		}
	}
	short := make([]string, n)
	for i, s := range g.shas {
		short[i] = s[:min(7, len(s))]
	}
	f := data.NewFrame("commit_grid",
		data.NewField("commit", nil, short),
		link(data.NewField("commit_url", nil, g.links), "Open commit"),
		data.NewField("time", nil, g.at),
		data.NewField("title", nil, g.titles),
		data.NewField("new_failures", nil, newFailures),
	)
	for i, key := range g.columns {
		name := fmt.Sprintf("job_%03d", i+1)
		cell := data.NewField(name, nil, results[i])
		cell.Config = &data.FieldConfig{DisplayNameFromDS: key,
			Links: []data.DataLink{{Title: "Open " + key, URL: "${__data.fields." + name + "_url}", TargetBlank: true}}}
		u := link(data.NewField(name+"_url", nil, urls[i]), "Open job")
		u.Config.Custom = map[string]any{"hidden": true}
		f.Fields = append(f.Fields, cell, u)
	}
	return f
}

func joinNames(list, name string) string {
	if list == "" {
		return name
	}
	return list + ", " + name
}

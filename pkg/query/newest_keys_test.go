package query_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5/pgxpool"
)

// keyRun is one run of the newest-first tables' cases: minutes after t0 (the range is
// [t0, t0+7d)), a pull request number (0: none), and what the tables read of it.
type keyRun struct {
	id, attempt  int64
	repo, branch string
	pr           int
	sha, wf, ev  string
	conclusion   string
	at           int
}

// run is a completed pull_request run on a pull request.
func prRun(id int64, repo string, pr int, sha, wf, conclusion string, at int) keyRun {
	return keyRun{id: id, attempt: 1, repo: repo, branch: fmt.Sprintf("pr-%d", pr), pr: pr, sha: sha, wf: wf, ev: "pull_request", conclusion: conclusion, at: at}
}

// pushRun is a completed push run on a branch.
func pushRun(id int64, repo, branch, sha, wf, conclusion string, at int) keyRun {
	return keyRun{id: id, attempt: 1, repo: repo, branch: branch, sha: sha, wf: wf, ev: "push", conclusion: conclusion, at: at}
}

// seedKeyRuns stores runs straight into workflow_runs, in the order given: the order in
// which equal times come out of an index depends on it.
func seedKeyRuns(t *testing.T, runs []keyRun) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for _, r := range runs {
		prs := []int32{}
		if r.pr > 0 {
			prs = []int32{int32(r.pr)}
		}
		at := t0.Add(time.Duration(r.at) * time.Minute)
		status := "completed"
		if r.conclusion == "" {
			status = "in_progress"
		}
		_, err := pool.Exec(ctx, `INSERT INTO workflow_runs (run_id, run_attempt, org, repo, workflow_name, display_title, event, status,
				conclusion, head_branch, head_sha, default_branch, pull_requests, created_at, updated_at, first_seen_at, last_seen_at)
			VALUES ($1::bigint, $2, split_part($3, '/', 1), $3, $4, 'run ' || $1::bigint, $5, $6, $7, $8, $9, 'main', $10, $11, $11, $11, $11)`,
			r.id, r.attempt, r.repo, r.wf, r.ev, status, r.conclusion, r.branch, r.sha, prs, at)
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, "ANALYZE workflow_runs"); err != nil {
		t.Fatal(err)
	}
	return pool
}

// rowsOf prints each row of a table frame as the named fields joined by spaces.
func rowsOf(t *testing.T, f *data.Frame, fields ...string) []string {
	t.Helper()
	out := make([]string, f.Rows())
	for _, name := range fields {
		fl, i := f.FieldByName(name)
		if i < 0 {
			t.Fatalf("no field %s in %s", name, f.Name)
		}
		for r := range f.Rows() {
			v, _ := fl.ConcreteAt(r)
			out[r] = strings.TrimSpace(fmt.Sprintf("%s %v", out[r], v))
		}
	}
	return out
}

// The pull requests listed are those whose newest run is newest, with the result of every
// run on the head commit in the range: the walk that finds them stops early, and each case
// is one way a wrong stop would show.
func TestPullRequestsNewestFirst(t *testing.T) {
	cases := []struct {
		name, json string
		runs       []keyRun
		want       []string // repo, number, commit, result
	}{
		{"many runs of one pull request do not crowd out the next", `{"limit": 2}`, []keyRun{
			prRun(1, "acme/a", 1, "a1", "CI", "success", 50), prRun(2, "acme/a", 1, "a1", "Lint", "success", 51),
			prRun(3, "acme/a", 1, "a1", "Docs", "success", 52), prRun(4, "acme/b", 2, "b1", "CI", "success", 40),
			prRun(5, "acme/c", 3, "c1", "CI", "success", 30),
		}, []string{"acme/a 1 a1 success", "acme/b 2 b1 success"}},
		{"the head commit's runs before the stop count", `{"limit": 1}`, []keyRun{
			prRun(1, "acme/a", 1, "a1", "CI", "failure", 10), prRun(2, "acme/b", 2, "b1", "CI", "success", 50),
			prRun(3, "acme/b", 2, "b1", "CI", "success", 60), prRun(4, "acme/a", 1, "a1", "Lint", "success", 100),
		}, []string{"acme/a 1 a1 failure"}},
		{"an older commit's runs do not count", `{"limit": 1}`, []keyRun{
			prRun(1, "acme/a", 1, "a1", "CI", "failure", 10), prRun(2, "acme/a", 1, "a2", "CI", "success", 100),
		}, []string{"acme/a 1 a2 success"}},
		{"a pull request whose newest run is older is left out", `{"limit": 2}`, []keyRun{
			prRun(1, "acme/a", 1, "a1", "CI", "success", 10), prRun(2, "acme/b", 2, "b1", "CI", "success", 20),
			prRun(3, "acme/c", 3, "c1", "CI", "success", 30), prRun(4, "acme/a", 1, "a0", "CI", "failure", 5),
		}, []string{"acme/c 3 c1 success", "acme/b 2 b1 success"}},
		{"a tie at the limit is broken by repository, first stored first", `{"limit": 1}`, []keyRun{
			prRun(1, "acme/a", 1, "a1", "CI", "success", 30), prRun(2, "acme/b", 2, "b1", "CI", "failure", 30),
			prRun(3, "acme/c", 3, "c1", "CI", "success", 20),
		}, []string{"acme/a 1 a1 success"}},
		{"a tie at the limit is broken by repository, last stored first", `{"limit": 1}`, []keyRun{
			prRun(1, "acme/b", 2, "b1", "CI", "failure", 30), prRun(2, "acme/a", 1, "a1", "CI", "success", 30),
			prRun(3, "acme/c", 3, "c1", "CI", "success", 20),
		}, []string{"acme/a 1 a1 success"}},
		{"the filters choose the runs the walk reads", `{"limit": 1, "filters": {"workflows": ["CI"]}}`, []keyRun{
			prRun(1, "acme/a", 1, "a1", "CI", "failure", 10), prRun(2, "acme/b", 2, "b1", "CI", "success", 50),
			prRun(3, "acme/a", 1, "a1", "Docs", "success", 90),
		}, []string{"acme/b 2 b1 success"}},
		{"a run replaced by a later attempt does not count", `{"limit": 1}`, []keyRun{
			prRun(1, "acme/a", 1, "a1", "CI", "success", 10), prRun(2, "acme/b", 2, "b1", "CI", "success", 50),
			prRun(3, "acme/a", 1, "a2", "CI", "failure", 90),
			{id: 3, attempt: 2, repo: "acme/a", branch: "pr-1", pr: 1, sha: "a2", wf: "CI", ev: "pull_request", conclusion: "success", at: 20000},
		}, []string{"acme/b 2 b1 success"}},
		{"runs before the range do not count", `{"limit": 1}`, []keyRun{
			prRun(1, "acme/a", 1, "a1", "CI", "failure", -10), prRun(2, "acme/a", 1, "a1", "Lint", "success", 60),
			prRun(3, "acme/b", 2, "b1", "CI", "success", 50),
		}, []string{"acme/a 1 a1 success"}},
		{"fewer pull requests than the limit are all listed", `{}`, []keyRun{
			prRun(1, "acme/a", 1, "a1", "CI", "success", 10), prRun(2, "acme/b", 2, "b1", "CI", "", 50),
			pushRun(3, "acme/c", "main", "c1", "CI", "success", 70),
		}, []string{"acme/b 2 b1 in_progress", "acme/a 1 a1 success"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pool := seedKeyRuns(t, c.runs)
			frames, err := query.PullRequests(context.Background(), query.Env{DB: pool}, request(c.json))
			if err != nil {
				t.Fatal(err)
			}
			got := rowsOf(t, frames[0], "repo", "number", "commit", "result")
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// Refs lists the branches whose newest push is newest, each with every commit pushed in
// the range counted, also those before the walk stopped.
func TestRefsNewestFirst(t *testing.T) {
	cases := []struct {
		name, json string
		runs       []keyRun
		want       []string // repo, branch, commit, commits, result
	}{
		{"commits are counted over the whole range", `{"limit": 1}`, []keyRun{
			pushRun(1, "acme/a", "main", "m1", "CI", "success", 10), pushRun(2, "acme/a", "main", "m2", "CI", "success", 20),
			pushRun(3, "acme/b", "main", "b1", "CI", "success", 50), pushRun(4, "acme/a", "main", "m3", "CI", "failure", 90),
			pushRun(5, "acme/a", "main", "m3", "Lint", "success", 91),
		}, []string{"acme/a main m3 3 failure"}},
		{"a branch pushed often does not crowd out the next", `{"limit": 2}`, []keyRun{
			pushRun(1, "acme/a", "dev", "d1", "CI", "success", 5), pushRun(2, "acme/a", "main", "m1", "CI", "success", 60),
			pushRun(3, "acme/a", "main", "m2", "CI", "success", 70), pushRun(4, "acme/a", "main", "m3", "CI", "success", 80),
			pushRun(5, "acme/b", "main", "b1", "CI", "success", 6),
		}, []string{"acme/a main m3 3 success", "acme/b main b1 1 success"}},
		{"a tie at the limit is broken by repository and branch", `{"limit": 1}`, []keyRun{
			pushRun(1, "acme/a", "zeta", "z1", "CI", "failure", 40), pushRun(2, "acme/a", "alpha", "a1", "CI", "success", 40),
		}, []string{"acme/a alpha a1 1 success"}},
		{"pull request runs are not pushes", `{"limit": 1}`, []keyRun{
			pushRun(1, "acme/a", "main", "m1", "CI", "success", 10), prRun(2, "acme/b", 2, "b1", "CI", "success", 50),
		}, []string{"acme/a main m1 1 success"}},
		{"the filters choose the runs the walk reads", `{"limit": 1, "filters": {"repos": ["acme/a"]}}`, []keyRun{
			pushRun(1, "acme/a", "main", "m1", "CI", "success", 10), pushRun(2, "acme/b", "main", "b1", "CI", "success", 50),
			pushRun(3, "acme/a", "dev", "d1", "CI", "failure", 5),
		}, []string{"acme/a main m1 1 success"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pool := seedKeyRuns(t, c.runs)
			frames, err := query.Refs(context.Background(), query.Env{DB: pool}, request(c.json))
			if err != nil {
				t.Fatal(err)
			}
			got := rowsOf(t, frames[0], "repo", "branch", "commit", "commits", "result")
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// branch_status skips from one repository and workflow to the next through an index and
// takes each one's newest completed run on the default branch: pairs without such a run in
// the range are skipped over, not answered, and one pair's runs never stand for another's.
func TestBranchStatusSkipsByKey(t *testing.T) {
	runs := []keyRun{
		pushRun(1, "acme/a", "main", "a1", "CI", "failure", 10), pushRun(2, "acme/a", "main", "a2", "CI", "success", 20),
		pushRun(3, "acme/a", "main", "a3", "Nightly", "failure", -60),
		pushRun(4, "acme/b", "main", "b1", "CI", "success", 30), pushRun(5, "acme/b", "feature", "b2", "CI", "failure", 40),
		pushRun(6, "acme/b", "main", "b3", "Lint", "failure", 50),
		{id: 6, attempt: 2, repo: "acme/b", branch: "main", sha: "b3", wf: "Lint", ev: "push", conclusion: "success", at: 50},
		pushRun(7, "acme/c", "main", "c1", "CI", "failure", 60), pushRun(8, "acme/c", "main", "c2", "CI", "", 70),
		pushRun(9, "acme/d", "main", "d1", "Docs", "timed_out", 80),
	}
	cases := []struct {
		name, json string
		want       []string
	}{
		{"every pair with a completed run", `{}`, []string{"acme/a CI 0", "acme/b CI 0", "acme/b Lint 0", "acme/c CI 1", "acme/d Docs 1"}},
		{"a workflow filter", `{"filters": {"workflows": ["CI"]}}`, []string{"acme/a CI 0", "acme/b CI 0", "acme/c CI 1"}},
		{"a repository filter", `{"filters": {"repos": ["acme/d", "acme/b"]}}`, []string{"acme/b CI 0", "acme/b Lint 0", "acme/d Docs 1"}},
	}
	pool := seedKeyRuns(t, runs)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			frames, err := query.BranchStatus(context.Background(), query.Env{DB: pool}, request(c.json))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range frames {
				for _, fl := range f.Fields {
					if fl.Name == "failing" {
						v, _ := fl.ConcreteAt(0)
						got = append(got, fmt.Sprintf("%s %s %v", fl.Labels["repo"], fl.Labels["workflow"], v))
					}
				}
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("series:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

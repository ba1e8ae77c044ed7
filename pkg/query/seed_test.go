package query_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5/pgxpool"
)

// t0 is the start of the seeded world; queries in tests cover [t0, t0+7d).
var t0 = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

// seedJob is one job of the seeded world, and its truth.
type seedJob struct {
	id, run, attempt     int64
	repo, workflow, name string
	branch, sha, event   string
	labels               []string
	runner, group        string
	status, conclusion   string
	created              time.Time
	queue, dur, approval time.Duration
	// abandoned: cancelled after waiting queue, no runner ever took it. closure: closed by
	// CI Radar ("expired" or "gone") at closedAt, while still queued.
	abandoned bool
	closure   string
	closedAt  time.Time
}

type seedRun struct {
	id, attempt             int64
	repo, workflow, event   string
	branch, sha, conclusion string
	created, updated        time.Time
	pr                      int
}

// world is the deterministic data set golden tests run against: three repositories, two
// runner pools, push/pull_request/schedule/workflow_dispatch runs, a flaky job re-run on the
// same commit, an approval wait, and jobs still queued and running at the end.
type world struct {
	jobs []seedJob
	runs []seedRun
}

var (
	repos  = []string{"acme/api", "acme/web", "octo/tools"}
	pools  = [][]string{{"ubuntu-latest"}, {"self-hosted", "linux", "x64"}}
	events = []string{"push", "pull_request", "schedule", "workflow_dispatch"}
)

func newWorld() *world {
	w := &world{}
	jobID := int64(5000)
	for r := 0; r < 60; r++ {
		repo := repos[r%3]
		ev := events[(r/3)%4]
		wf := "CI"
		branch := "main"
		if ev == "schedule" {
			wf = "Nightly"
		}
		if ev == "pull_request" {
			branch = fmt.Sprintf("feature-%d", r)
		}
		created := t0.Add(time.Duration(r)*150*time.Minute + time.Duration(r%7)*time.Minute)
		run := seedRun{id: int64(900000 + r), attempt: 1, repo: repo, workflow: wf, event: ev, branch: branch,
			sha: fmt.Sprintf("%040x", 0xabc000+r), created: created, conclusion: "success"}
		if ev == "pull_request" {
			run.pr = 100 + r
		}
		var last time.Time
		for k, name := range []string{"build", "test", "lint"} {
			jobID++
			j := seedJob{id: jobID, run: run.id, attempt: 1, repo: repo, workflow: wf, name: name, branch: branch,
				sha: run.sha, event: ev, labels: pools[(r+k)%2], status: "completed", conclusion: "success",
				created: created.Add(time.Duration(k) * 5 * time.Second),
				queue:   time.Duration(5+(r*37+k*11)%290) * time.Second,
				dur:     time.Duration(60+(r*53+k*17)%900) * time.Second}
			j.runner, j.group = fmt.Sprintf("gh-hosted-%d", jobID), "GitHub Actions"
			if j.labels[0] == "self-hosted" {
				j.runner, j.group = fmt.Sprintf("linux-%d", (r+k)%4), "linux-pool"
			}
			if (r%5 == 1 || ev == "schedule" && r%2 == 0) && name == "test" {
				j.conclusion, run.conclusion = "failure", "failure"
			}
			if r == 8 && name == "build" {
				j.approval = 4 * time.Minute // waited for an environment approval first
			}
			w.jobs = append(w.jobs, j)
			last = j.created.Add(j.approval + j.queue + j.dur)
		}
		run.updated = last
		w.runs = append(w.runs, run)
		if r%5 == 1 && ev != "schedule" {
			// Re-run on the same commit: the failed test passes this time (a flake).
			rerun := run
			rerun.attempt, rerun.conclusion = 2, "success"
			rerun.created = last.Add(10 * time.Minute)
			jobID++
			j := w.jobs[len(w.jobs)-2]
			j.id, j.attempt, j.conclusion, j.created = jobID, 2, "success", rerun.created
			w.jobs = append(w.jobs, j)
			rerun.updated = j.created.Add(j.queue + j.dur)
			w.runs = append(w.runs, rerun)
		}
	}
	// Lifecycle (issue 14): two jobs cancelled while queued and one gone while queued (all
	// three abandoned), and one that ran on a hosted runner past GitHub's 6-hour limit
	// (expired). A job expired while queued is open for 48 hours, longer than the raw
	// queries' finishedLookback: the store tests cover it.
	for i, c := range []struct {
		at       time.Duration
		wait     time.Duration
		closure  string
		closedAt time.Duration
	}{{30 * time.Hour, 40 * time.Minute, "", 0}, {31 * time.Hour, 15 * time.Minute, "", 0},
		{50 * time.Hour, 0, "expired", 56 * time.Hour}, {60 * time.Hour, 0, "gone", 61 * time.Hour}} {
		jobID++
		j := seedJob{id: jobID, run: 998000 + int64(i), attempt: 1, repo: "acme/web", workflow: "CI", name: "e2e", branch: "main",
			sha: fmt.Sprintf("%040x", 0xfee000+i), event: "push", labels: pools[i%2], status: "queued",
			created: t0.Add(c.at), queue: c.wait, closure: c.closure, closedAt: t0.Add(c.closedAt)}
		switch c.closure {
		case "":
			j.status, j.conclusion, j.abandoned = "completed", "cancelled", true
		case "expired":
			j.status, j.labels, j.runner, j.group = "in_progress", pools[0], "gh-hosted-expired", "GitHub Actions"
		}
		w.jobs = append(w.jobs, j)
	}
	end := t0.Add(7 * 24 * time.Hour)
	// Still open at the end of the range: two queued (one for 20 minutes) and one running.
	for i, st := range []string{"queued", "queued", "in_progress"} {
		jobID++
		w.jobs = append(w.jobs, seedJob{id: jobID, run: 999000 + int64(i), attempt: 1, repo: "acme/api", workflow: "CI",
			name: "deploy", branch: "main", sha: fmt.Sprintf("%040x", 0xdef000+i), event: "push", labels: pools[1],
			runner: "linux-3", group: "linux-pool", status: st,
			created: end.Add(-time.Duration(20-i*7) * time.Minute), queue: 2 * time.Minute})
	}
	return w
}

// jobEvent rewrites a real workflow_job payload into one event of a seeded job.
func (j seedJob) delivery(t testing.TB, status string) (store.Item, time.Time) {
	var doc map[string]any
	name := map[string]string{"waiting": "workflow_job.waiting.1", "queued": "workflow_job.queued.1", "in_progress": "workflow_job.in_progress.3", "completed": "workflow_job.completed.1"}[status]
	if err := json.Unmarshal(fixtures.Get(name), &doc); err != nil {
		t.Fatal(err)
	}
	wj := doc["workflow_job"].(map[string]any)
	created := j.created
	started := created.Add(j.approval + j.queue)
	completed := started.Add(j.dur)
	wj["id"], wj["run_id"], wj["run_attempt"], wj["status"] = j.id, j.run, j.attempt, status
	wj["name"], wj["workflow_name"], wj["labels"] = j.name, j.workflow, j.labels
	wj["head_branch"], wj["head_sha"] = j.branch, j.sha
	wj["html_url"] = fmt.Sprintf("https://github.com/%s/actions/runs/%d/job/%d", j.repo, j.run, j.id)
	wj["run_url"] = fmt.Sprintf("https://api.github.com/repos/%s/actions/runs/%d", j.repo, j.run)
	wj["created_at"], wj["started_at"] = created.Format(time.RFC3339), created.Format(time.RFC3339)
	wj["completed_at"], wj["conclusion"] = nil, nil
	wj["runner_name"], wj["runner_id"], wj["runner_group_name"] = nil, nil, nil
	at := created
	if status != "queued" && status != "waiting" {
		wj["started_at"], wj["runner_name"], wj["runner_id"], wj["runner_group_name"] = started.Format(time.RFC3339), j.runner, 7, j.group
		at = started
	}
	if status == "completed" && j.abandoned {
		wj["runner_name"], wj["runner_id"], wj["runner_group_name"] = nil, nil, nil
		wj["started_at"] = created.Format(time.RFC3339)
		completed = created.Add(j.queue)
	}
	if status == "completed" {
		wj["completed_at"], wj["conclusion"] = completed.Format(time.RFC3339), j.conclusion
		at = completed
	}
	wj["steps"] = j.steps(status, started, completed)
	setRepo(doc, j.repo)
	doc["action"] = status
	if status == "queued" && j.approval > 0 {
		at = created.Add(j.approval) // the re-queue after approval; the waiting event came first
	}
	return item(t, fmt.Sprintf("job-%d-%s", j.id, status), "workflow_job", doc, at), at
}

func setRepo(doc map[string]any, repo string) {
	r := doc["repository"].(map[string]any)
	owner, name, _ := cut(repo)
	r["full_name"], r["name"], r["default_branch"] = repo, name, "main"
	r["owner"].(map[string]any)["login"] = owner
	if o, ok := doc["organization"].(map[string]any); ok {
		o["login"] = owner
	}
}

func cut(repo string) (string, string, bool) {
	for i := range repo {
		if repo[i] == '/' {
			return repo[:i], repo[i+1:], true
		}
	}
	return repo, "", false
}

func item(t testing.TB, id, event string, doc map[string]any, at time.Time) store.Item {
	t.Helper()
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	d := store.Delivery{ID: id, Event: event, Action: fmt.Sprint(doc["action"]), HookID: 1, TargetType: "organization", TargetID: 1, ReceivedAt: at, Payload: body}
	p, err := store.Project(d)
	if err != nil {
		t.Fatalf("project %s: %v", id, err)
	}
	return store.Item{Delivery: d, Projection: p}
}

func (r seedRun) delivery(t testing.TB) store.Item {
	var doc map[string]any
	if err := json.Unmarshal(fixtures.Get("workflow_run.completed.1"), &doc); err != nil {
		t.Fatal(err)
	}
	wr := doc["workflow_run"].(map[string]any)
	wr["id"], wr["run_attempt"], wr["name"], wr["event"] = r.id, r.attempt, r.workflow, r.event
	wr["status"], wr["conclusion"], wr["head_branch"], wr["head_sha"] = "completed", r.conclusion, r.branch, r.sha
	wr["created_at"], wr["run_started_at"], wr["updated_at"] = r.created.Format(time.RFC3339), r.created.Format(time.RFC3339), r.updated.Format(time.RFC3339)
	wr["html_url"] = fmt.Sprintf("https://github.com/%s/actions/runs/%d", r.repo, r.id)
	wr["display_title"] = fmt.Sprintf("%s #%d", r.workflow, r.id)
	wr["pull_requests"] = []any{}
	if r.pr > 0 {
		wr["pull_requests"] = []any{map[string]any{"number": r.pr, "id": r.pr, "url": "https://api.github.com/repos/" + r.repo + "/pulls/" + fmt.Sprint(r.pr)}}
	}
	setRepo(doc, r.repo)
	doc["action"] = "completed"
	return item(t, fmt.Sprintf("run-%d-%d", r.id, r.attempt), "workflow_run", doc, r.updated)
}

// seed writes the world through store.Write, as the receiver would, plus the rows other
// issues will write (a rejected delivery, error signatures), and returns a pool.
func seed(t *testing.T, w *world) (*pgxpool.Pool, string) {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	s, err := store.Open(ctx, url, store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var items []store.Item
	for _, j := range w.jobs {
		steps := []string{"queued"}
		if j.approval > 0 {
			steps = []string{"waiting", "queued"}
		}
		switch {
		case j.abandoned:
			steps = append(steps, "completed")
		case j.status == "in_progress":
			steps = append(steps, "in_progress")
		case j.status == "completed":
			steps = append(steps, "in_progress", "completed")
		}
		for _, st := range steps {
			it, _ := j.delivery(t, st)
			items = append(items, it)
		}
		if j.closure != "" {
			it, err := store.ClosureItem(j.id, j.closure, j.closedAt, j.closedAt, "seeded")
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, it)
		}
	}
	for _, r := range w.runs {
		items = append(items, r.delivery(t))
	}
	sort.Slice(items, func(a, b int) bool { return items[a].Delivery.ID < items[b].Delivery.ID })
	if _, err := s.Write(ctx, items); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordRejection(ctx, store.Rejection{DeliveryID: "bad-1", Event: "workflow_job", Reason: "malformed payload", Size: 12, ReceivedAt: t0.Add(26 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	seedSignatures(t, pool, w)
	return pool, url
}

// seedSignatures writes error signatures for the failed test jobs the way issue 5's log
// scanner will: one old signature seen before the range, one first seen within it.
func seedSignatures(t *testing.T, pool *pgxpool.Pool, w *world) {
	t.Helper()
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO error_signatures (signature_hash, text, first_seen, last_seen, count) VALUES
		('sig-old', 'Error: connect ECONNREFUSED <ip>:<n>', $1, $2, 40),
		('sig-new', 'FAIL TestCheckout (<n>s): expected <n> got <n>', $3, $2, 3)`,
		t0.Add(-30*24*time.Hour), t0.Add(7*24*time.Hour), t0.Add(3*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// The reconciler found the issue that tracks the old one.
	if _, err := pool.Exec(ctx, `UPDATE error_signatures SET issue_url = 'https://github.com/acme/api/issues/7', issue_state = 'open'
		WHERE signature_hash = 'sig-old'`); err != nil {
		t.Fatal(err)
	}
	for _, j := range w.jobs {
		if j.conclusion != "failure" {
			continue
		}
		sig := "sig-old"
		if j.created.After(t0.Add(3 * 24 * time.Hour)) {
			sig = "sig-new"
		}
		if _, err := pool.Exec(ctx, `INSERT INTO error_occurrences (signature_hash, job_id, repo, excerpt, seen_at) VALUES ($1, $2, $3, $4, $5)`,
			sig, j.id, j.repo, "##[error]Process completed with exit code 1.", j.created.Add(j.queue+j.dur)); err != nil {
			t.Fatal(err)
		}
	}
}

// seedInventory writes the runner inventory and samples the reconciler keeps (issue 5): the
// four self-hosted linux runners, one of them offline, sampled every 10 minutes for a day.
func seedInventory(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO runners (scope, runner_id, name, os, labels, label_key, runner_group_name, status, busy, first_seen_at, last_seen_at)
		SELECT 'org:acme', i, 'linux-' || i, 'Linux', '{linux,self-hosted,x64}', 'linux,self-hosted,x64', 'linux-pool',
			CASE WHEN i = 2 THEN 'offline' ELSE 'online' END, i = 3, $1, $2 FROM generate_series(0, 3) i`, t0.Add(-24*time.Hour), t0.Add(7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	_, err = pool.Exec(ctx, `INSERT INTO runner_samples (sampled_at, scope, runner_id, name, label_key, status, busy)
		SELECT $1::timestamptz + k * interval '10 minutes', 'org:acme', i, 'linux-' || i, 'linux,self-hosted,x64',
			CASE WHEN i = 2 THEN 'offline' ELSE 'online' END, (i + k) % 3 = 0
		FROM generate_series(0, 3) i, generate_series(0, 143) k`, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
}

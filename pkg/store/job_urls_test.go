package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
)

// The Go derivation of a job's URLs (Store.Jobs) and the SQL one (rollups and queries)
// spell the same bytes, on github.com and on an Enterprise Server.
func TestJobURLDerivationMatchesSQL(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	cases := []struct {
		name, forgeURL, repo string
		runID, jobID         int64
		html, run            string
	}{
		{"github.com", "https://github.com", "acme/api", 900051, 5163,
			"https://github.com/acme/api/actions/runs/900051/job/5163", "https://api.github.com/repos/acme/api/actions/runs/900051"},
		{"enterprise server", "https://ghe.example.com", "acme/api", 7, 8,
			"https://ghe.example.com/acme/api/actions/runs/7/job/8", "https://ghe.example.com/api/v3/repos/acme/api/actions/runs/7"},
		{"large ids and dots", "https://github.com", "o.r-g/re_po.js", 20128694151884, 20128694151888,
			"https://github.com/o.r-g/re_po.js/actions/runs/20128694151884/job/20128694151888",
			"https://api.github.com/repos/o.r-g/re_po.js/actions/runs/20128694151884"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := &store.Job{Forge: store.ForgeGitHub, ForgeURL: c.forgeURL, Repo: c.repo, RunID: c.runID, JobID: c.jobID}
			var html, run string
			if err := s.Pool().QueryRow(ctx, "SELECT job_html_url(NULL, $1, $2, $3, $4), job_run_url(NULL, $1, $2, $3)",
				c.forgeURL, c.repo, c.runID, c.jobID).Scan(&html, &run); err != nil {
				t.Fatal(err)
			}
			if html != c.html || store.JobHTMLURL(j) != c.html {
				t.Errorf("html_url: SQL %q, Go %q, want %q", html, store.JobHTMLURL(j), c.html)
			}
			if run != c.run || store.JobRunURL(j) != c.run {
				t.Errorf("run_url: SQL %q, Go %q, want %q", run, store.JobRunURL(j), c.run)
			}
		})
	}
}

// A job's URLs are stored only when its columns do not spell them, and read back the same
// either way: derivable, absent, or of another shape than GitHub's today.
func TestJobURLsReadBackAsSent(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const name = "workflow_job.completed.1"
	cases := []struct {
		name, html, run string
		stored          bool // the columns hold the URLs, rather than NULL
	}{
		{"derivable", "https://github.com/Codertocat/Hello-World/actions/runs/2202229078/job/289782451",
			"https://api.github.com/repos/Codertocat/Hello-World/actions/runs/2202229078", false},
		{"enterprise server", "https://ghe.example.com/Codertocat/Hello-World/actions/runs/2202229078/job/289782451",
			"https://ghe.example.com/api/v3/repos/Codertocat/Hello-World/actions/runs/2202229078", false},
		{"absent", "", "", true},
		{"an older shape", "https://github.com/octo-org/octo-repo/runs/1291536064",
			"https://api.github.com/repos/octo-org/octo-repo/actions/runs/1291536064", true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			jobID := int64(289782451 + i) // one job per case; the URLs name the first id
			body := fixtures.Edited(name, func(doc map[string]any) {
				fixtures.SetJobField("html_url", strings.ReplaceAll(c.html, "289782451", fmt.Sprint(jobID)))(doc)
				fixtures.SetJobField("run_url", c.run)(doc)
				fixtures.SetJobField("id", jobID)(doc)
			})
			if _, err := s.Write(ctx, []store.Item{item(t, fmt.Sprintf("urls-%d", i), "workflow_job", body, time.Now())}); err != nil {
				t.Fatal(err)
			}
			wantHTML := strings.ReplaceAll(c.html, "289782451", fmt.Sprint(jobID))
			var nulls bool
			if err := s.Pool().QueryRow(ctx, "SELECT html_url IS NULL AND run_url IS NULL FROM workflow_jobs WHERE job_id = $1",
				jobID).Scan(&nulls); err != nil || nulls == c.stored {
				t.Errorf("URLs left to derivation: %v (%v), want %v", nulls, err, !c.stored)
			}
			jobs, err := s.Jobs(ctx, store.JobFilter{MinID: jobID, MaxID: jobID})
			if err != nil || len(jobs) != 1 {
				t.Fatalf("read the job: %d, %v", len(jobs), err)
			}
			if jobs[0].HTMLURL != wantHTML || jobs[0].RunURL != c.run {
				t.Errorf("read back %q and %q, want %q and %q", jobs[0].HTMLURL, jobs[0].RunURL, wantHTML, c.run)
			}
		})
	}
}

// Migration 0030 leaves out the URLs a filled store's jobs can derive, and nothing reads
// them differently afterwards: Store.Jobs and the flaky-job rollup give the URLs as sent.
func TestMigrationDerivesJobURLs(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewEmptyDatabase(t)
	if _, err := store.MigrateTo(ctx, url, 28); err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name, forge, forgeURL, conclusion, html, run string
		derived                                      bool
	}{
		{"github.com", "github", "https://github.com", "failure",
			"https://github.com/acme/api/actions/runs/100/job/1", "https://api.github.com/repos/acme/api/actions/runs/100", true},
		{"a later pass of it", "github", "https://github.com", "success",
			"https://github.com/acme/api/actions/runs/100/job/2", "https://api.github.com/repos/acme/api/actions/runs/100", true},
		{"enterprise server", "github", "https://ghe.example.com", "success",
			"https://ghe.example.com/acme/api/actions/runs/100/job/3", "https://ghe.example.com/api/v3/repos/acme/api/actions/runs/100", true},
		{"absent", "github", "https://github.com", "success", "", "", false},
		{"an older shape", "github", "https://github.com", "success",
			"https://github.com/acme/api/runs/5", "https://api.github.com/repos/acme/api/actions/runs/100", false},
		{"gitlab", "gitlab", "https://gitlab.example.com", "success",
			"https://gitlab.example.com/acme/api/-/jobs/6", "https://gitlab.example.com/acme/api/-/pipelines/100", false},
	}
	old, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		at := created.Add(time.Duration(i) * time.Minute)
		if _, err := old.Exec(ctx, `INSERT INTO workflow_jobs (job_id, run_id, repo, workflow_name, job_name, head_sha, status, conclusion,
			created_at, started_at, completed_at, html_url, run_url, first_seen_at, last_seen_at, forge, forge_url)
			VALUES ($1, 100, 'acme/api', 'CI', 'test', 'abc', 'completed', $2, $3, $3, $4, $5, $6, $3, $4, $7, $8)`,
			i+1, c.conclusion, at, at.Add(time.Minute), c.html, c.run, c.forge, c.forgeURL); err != nil {
			t.Fatal(err)
		}
	}
	old.Close(ctx)
	if _, err := store.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, url, store.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	jobs, err := s.Jobs(ctx, store.JobFilter{})
	if err != nil || len(jobs) != len(cases) {
		t.Fatalf("read %d jobs (%v), want %d", len(jobs), err, len(cases))
	}
	byID := map[int64]store.Job{}
	for _, j := range jobs {
		byID[j.JobID] = j
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var derived bool
			if err := s.Pool().QueryRow(ctx, "SELECT html_url IS NULL AND run_url IS NULL FROM workflow_jobs WHERE job_id = $1",
				i+1).Scan(&derived); err != nil || derived != c.derived {
				t.Errorf("URLs left to derivation: %v (%v), want %v", derived, err, c.derived)
			}
			j, ok := byID[int64(i+1)]
			if !ok || j.HTMLURL != c.html || j.RunURL != c.run {
				t.Errorf("read back %+v, want %q and %q", j, c.html, c.run)
			}
		})
	}
	t.Run("the flaky rollup names the failed job", func(t *testing.T) {
		var link string
		if err := s.Pool().QueryRow(ctx, "SELECT html_url FROM rollup_first_failures($1, $2, '1 hour')",
			created.Add(-time.Hour), created.Add(time.Hour)).Scan(&link); err != nil || link != cases[0].html {
			t.Errorf("rollup_first_failures: %q (%v), want %q", link, err, cases[0].html)
		}
	})
}

// The plugin reads through the reader role: it may derive a job's URLs as the queries do.
func TestReaderDerivesJobURLs(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	body := fixtures.Edited("workflow_job.completed.1", fixtures.SetJobField("html_url",
		"https://github.com/Codertocat/Hello-World/actions/runs/2202229078/job/289782451"))
	if _, err := s.Write(ctx, []store.Item{item(t, "reader-urls", "workflow_job", body, time.Now())}); err != nil {
		t.Fatal(err)
	}
	var link string
	err := pgx.BeginFunc(ctx, s.Pool(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL ROLE ciradar_reader"); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT job_html_url(html_url, forge_url, repo, run_id, job_id) FROM workflow_jobs
			WHERE job_id = 289782451 AND html_url IS NULL`).Scan(&link)
	})
	if want := "https://github.com/Codertocat/Hello-World/actions/runs/2202229078/job/289782451"; err != nil || link != want {
		t.Errorf("as the reader: %q, %v; want %q", link, err, want)
	}
}

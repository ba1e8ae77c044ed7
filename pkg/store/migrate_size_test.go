package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
)

// filledAt28 fills a store migrated up to 0028 with three simulated days, written as 0028's
// receiver wrote it (each id in delivery_guids as text), plus ids that are not canonical
// UUIDs: the reconciler's, an uppercase UUID and a test's. It returns the store's URL, the
// items written, and the same items ingested live by the newest schema, for reference.
func filledAt28(t *testing.T) (string, []store.Item, *store.Store) {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewEmptyDatabase(t)
	if _, err := store.MigrateTo(ctx, url, 28); err != nil {
		t.Fatal(err)
	}
	old, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close(ctx)
	live := newStore(t)

	start := time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)
	cfg := simulate.DefaultConfig()
	cfg.Orgs = []simulate.OrgConfig{{Name: "acme", Repos: 8}}
	w, err := simulate.NewWorld(cfg, 11, start)
	if err != nil {
		t.Fatal(err)
	}
	var items []store.Item
	sim, err := simulate.New(w, simulate.Options{Deliver: func(ctx context.Context, d simulate.Delivery) (int, error) {
		del := store.Delivery{ID: d.GUID, Event: d.Event, Action: d.Action, HookID: d.Org.HookID, TargetType: "organization",
			TargetID: d.Org.ID, ReceivedAt: d.At, Payload: d.Body}
		// Every tenth id is spelled as other senders spell ids: uppercase, or not a UUID.
		switch len(items) % 10 {
		case 3:
			del.ID = strings.ToUpper(del.ID)
		case 7:
			del.ID = "api:" + del.ID
		}
		p, err := store.Project(del)
		if err != nil {
			return 400, err
		}
		items = append(items, store.Item{Delivery: del, Projection: p})
		return 202, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.RunFast(ctx, start.Add(72*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if len(items) < 100 {
		t.Fatalf("the simulator sent %d deliveries: too few to test on", len(items))
	}
	for _, it := range items {
		d := it.Delivery
		// As 0028's Write stored it: the id as text in delivery_guids, the payload as received.
		if _, err := old.Exec(ctx, `WITH g AS (INSERT INTO delivery_guids (delivery_id, received_at) VALUES ($1, $7))
			INSERT INTO deliveries (delivery_id, event, action, hook_id, target_type, target_id, received_at, payload)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			d.ID, d.Event, d.Action, d.HookID, d.TargetType, d.TargetID, d.ReceivedAt, d.Payload); err != nil {
			t.Fatal(err)
		}
	}
	for b := range slices.Chunk(items, 64) {
		if _, err := live.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	return url, items, live
}

// Migration 0029 moves delivery_guids of a filled store to uuid keys: every id is kept, in
// the column its spelling says, every id written before is still a duplicate, lookups by
// id find them all, and the migrated log reprojects to what live ingest made.
func TestMigrationCompactsDeliveryGuids(t *testing.T) {
	ctx := context.Background()
	url, items, live := filledAt28(t)
	if _, err := store.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, url, store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.Delivery.ID
	}

	t.Run("every id kept in the column its spelling says", func(t *testing.T) {
		var uuids, texts, wrong int
		err := s.Pool().QueryRow(ctx, `SELECT count(guid), count(delivery_id),
			count(*) FILTER (WHERE coalesce(delivery_id, guid::text) <> ALL($1)) FROM delivery_guids`, ids).Scan(&uuids, &texts, &wrong)
		if err != nil {
			t.Fatal(err)
		}
		wantTexts := 0
		for _, id := range ids {
			if id != strings.ToLower(id) || strings.HasPrefix(id, "api:") {
				wantTexts++
			}
		}
		if uuids != len(ids)-wantTexts || texts != wantTexts || wrong != 0 {
			t.Errorf("%d uuid keys, %d text keys, %d unknown ids; want %d, %d, 0", uuids, texts, wrong, len(ids)-wantTexts, wantTexts)
		}
	})
	t.Run("ids written before are duplicates", func(t *testing.T) {
		again := slices.Clone(items[:40])
		for i := range again {
			again[i].Delivery.ReceivedAt = time.Now() // redeliveries, received now, in another partition
		}
		res, err := s.Write(ctx, again)
		if err != nil || res.Stored != 0 || res.Duplicates != len(again) {
			t.Fatalf("redelivering %d old ids: %+v, %v; want all duplicates", len(again), res, err)
		}
	})
	t.Run("lookups by id find every one", func(t *testing.T) {
		n, err := s.CountDeliveries(ctx, append(slices.Clone(ids), "never-sent"))
		if err != nil || n != len(ids) {
			t.Errorf("CountDeliveries: %d, %v; want %d", n, err, len(ids))
		}
		stored, err := s.StoredDeliveries(ctx, ids)
		if err != nil || len(stored) != len(ids) {
			t.Errorf("StoredDeliveries: %d of %d, %v", len(stored), len(ids), err)
		}
		for _, i := range []int{0, 3, 7} { // a UUID, an uppercase UUID, a text id
			p, err := s.RawPayload(ctx, ids[i])
			if err != nil || string(p) != string(items[i].Delivery.Payload) {
				t.Errorf("RawPayload(%q): %d bytes, %v", ids[i], len(p), err)
			}
		}
	})
	t.Run("reproject equals live", func(t *testing.T) {
		want := snapshot(t, live)
		if len(want.Jobs) == 0 {
			t.Fatal("live ingest projected no jobs")
		}
		st, err := s.Reproject(ctx, 50)
		if err != nil || st.Deliveries != len(items) || st.Skipped != 0 {
			t.Fatalf("reproject: %+v, %v; want all %d deliveries read", st, err, len(items))
		}
		if got := snapshot(t, s); !reflect.DeepEqual(got, want) {
			t.Errorf("reprojected the migrated log into %d jobs and %d runs; live ingest made %d and %d, or they differ",
				len(got.Jobs), len(got.Runs), len(want.Jobs), len(want.Runs))
		}
	})
}

// An id is a duplicate exactly when the same string was stored before, however it is
// spelled: a canonical UUID is kept as a uuid, every other spelling as text (0029), and
// the two never stand for each other.
func TestDeliveryIDSpellingsDeduplicateExactly(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	body := []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`)
	const canonical = "0f0e0d0c-0b0a-4909-8807-060504030201"
	now := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name, id string
		isUUID   bool
	}{
		{"canonical uuid", canonical, true},
		{"the same uuid uppercase", strings.ToUpper(canonical), false},
		{"the same uuid without hyphens", strings.ReplaceAll(canonical, "-", ""), false},
		{"the same uuid in braces", "{" + canonical + "}", false},
		{"a reconciler id", "api:run:1:1:completed:success", false},
		{"a short test id", "d-1", false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it := item(t, c.id, "ping", body, now.Add(time.Duration(i)*time.Minute))
			first, err := s.Write(ctx, []store.Item{it})
			if err != nil || first.Stored != 1 {
				t.Fatalf("first write of %q: %+v, %v; want it stored", c.id, first, err)
			}
			it.Delivery.ReceivedAt = now.AddDate(0, 1, 0) // redelivered a month later
			again, err := s.Write(ctx, []store.Item{it})
			if err != nil || again.Stored != 0 || again.Duplicates != 1 {
				t.Fatalf("second write of %q: %+v, %v; want a duplicate", c.id, again, err)
			}
			var asUUID bool
			if err := s.Pool().QueryRow(ctx, `SELECT guid IS NOT NULL FROM delivery_guids
				WHERE coalesce(delivery_id, guid::text) = $1`, c.id).Scan(&asUUID); err != nil || asUUID != c.isUUID {
				t.Errorf("%q kept as uuid: %v (%v), want %v", c.id, asUUID, err, c.isUUID)
			}
		})
	}
}

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

// The write path's Go reading of an id (deliveryGUID) and the SQL one that delivery_guids'
// CHECK and the lookups use (delivery_uuid) agree on every spelling.
func TestDeliveryGUIDMatchesSQL(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const canonical = "0f0e0d0c-0b0a-4909-8807-060504030201"
	cases := []struct{ name, id string }{
		{"canonical", canonical},
		{"all hex letters", "abcdefab-cdef-abcd-efab-cdefabcdefab"},
		{"uppercase", strings.ToUpper(canonical)},
		{"one uppercase letter", "0f0e0d0c-0b0a-4909-8807-06050403020A"},
		{"no hyphens", strings.ReplaceAll(canonical, "-", "")},
		{"braces", "{" + canonical + "}"},
		{"hyphen moved", "0f0e0d0-c0b0a-4909-8807-060504030201"},
		{"a letter past f", "0f0e0d0c-0b0a-4909-8807-06050403020g"},
		{"trailing newline", canonical + "\n"},
		{"one short", canonical[:35]},
		{"empty", ""},
		{"a reconciler id", "api:run:1:1:completed:success"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var sql *string
			if err := s.Pool().QueryRow(ctx, "SELECT delivery_uuid($1)::text", c.id).Scan(&sql); err != nil {
				t.Fatal(err)
			}
			g := store.DeliveryGUID(c.id)
			if (sql != nil) != g.Valid || sql != nil && *sql != c.id {
				t.Errorf("SQL reads %q as %v, Go as %v", c.id, sql, g)
			}
		})
	}
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

package reconcile_test

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/reconcile"
	"github.com/ciradar/ciradar/pkg/store"
)

// TestIssueLinks: an issue whose title or body carries a signature's id, in an
// organisation the error hit, becomes the signature's link; one elsewhere does not; a
// closed issue yields to an open one; a lookup stands for IssueRecheck, and asking again
// about an unchanged answer is a 304. Every cycle leaves a sample in reconciler_stats.
func TestIssueLinks(t *testing.T) {
	e := newEnv(t, envOptions{repos: 3, hours: 10, seed: 5})
	now := start.Add(10 * time.Hour)
	clock := func() time.Time { return now }
	r, err := reconcile.New(reconcile.Config{Store: e.store, API: e.client, Now: clock, StuckAfter: 1000 * time.Hour,
		MaxLogs: 1000, MaxIssueSearches: 1000, IssueRecheck: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	cycle := func(name string) reconcile.CycleStats {
		t.Helper()
		st, err := r.Cycle(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return st
	}
	first := cycle("first cycle")
	sigs := pgtest.Rows(t, e.store, `SELECT s.signature_hash, min(o.repo) FROM error_signatures s
		JOIN error_occurrences o USING (signature_hash) WHERE o.repo LIKE 'acme/%' GROUP BY 1 ORDER BY 1`)
	if len(sigs) < 3 {
		t.Fatalf("only %d signatures in acme repositories", len(sigs))
	}
	if first.IssueSearches != countRows(t, e, `SELECT count(*) FROM error_signatures`) || first.IssuesLinked != 0 {
		t.Fatalf("first cycle: %d searches, %d linked; want one search per signature and no link", first.IssueSearches, first.IssuesLinked)
	}
	a, b, c := sigs[0][0].(string), sigs[1][0].(string), sigs[2][0].(string)
	repo := sigs[0][1].(string)
	inTitle := e.issues.File(repo, "Flaky: "+a, "seen on main")
	inBody := e.issues.File(repo, "Build broken", "CI Radar signature "+b+"\nsee the dashboard")
	closed := e.issues.File(repo, "old report "+b, "")
	e.issues.SetState(closed, "closed")
	e.issues.File("strangers/elsewhere", "same id "+c, "")

	now = now.Add(30 * time.Minute)
	if st := cycle("within the recheck"); st.IssueSearches != 0 {
		t.Errorf("a cycle within IssueRecheck searched %d times, want 0", st.IssueSearches)
	}
	now = now.Add(time.Hour)
	second := cycle("after the recheck")
	if second.IssuesLinked != 2 {
		t.Errorf("linked %d signatures, want 2", second.IssuesLinked)
	}
	cases := []struct{ name, hash, url string }{
		{"id in the title", a, inTitle},
		{"id in the body; the open issue wins over the closed one", b, inBody},
		{"issue in an organisation the error never hit", c, ""},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			rows := pgtest.Rows(t, e.store, `SELECT issue_url FROM error_signatures WHERE signature_hash = $1`, k.hash)
			if len(rows) != 1 || rows[0][0].(string) != k.url {
				t.Errorf("issue_url %v, want %q", rows, k.url)
			}
		})
	}

	_, before := e.fake.Stats()
	now = now.Add(2 * time.Hour)
	third := cycle("unchanged answers")
	if _, after := e.fake.Stats(); after-before < third.IssueSearches || third.IssueSearches == 0 {
		t.Errorf("%d searches but %d answered 304, want every unchanged search conditional", third.IssueSearches, after-before)
	}

	samples := pgtest.Rows(t, e.store, `SELECT count(*), count(rate_limit_remaining), sum(api_requests)::int8, sum(issue_searches)::int8 FROM reconciler_stats`)
	want := int64(first.IssueSearches + second.IssueSearches + third.IssueSearches)
	if s := samples[0]; s[0].(int64) != 4 || s[1].(int64) != 4 || s[2].(int64) == 0 || s[3].(int64) != want {
		t.Errorf("reconciler_stats: %v; want 4 samples with the rate limit, requests, and %d searches", s, want)
	}
}

func countRows(t *testing.T, e *env, sql string) int {
	t.Helper()
	return int(pgtest.Rows(t, e.store, sql)[0][0].(int64))
}

// failingSearch is the real client whose issue search fails, as on a GitHub Enterprise
// Server without search.
type failingSearch struct{ *githubapi.Client }

func (failingSearch) IssuesMentioning(context.Context, string, []string) ([]githubapi.Issue, error) {
	return nil, &githubapi.StatusError{Code: 503, Op: "search issues"}
}

// A failing search is reported, keeps the link found before, and waits IssueRecheck like
// any lookup instead of being repeated every cycle.
func TestIssueSearchFailing(t *testing.T) {
	e := newEnv(t, envOptions{repos: 2, hours: 8, seed: 6})
	now := start.Add(8 * time.Hour)
	r, err := reconcile.New(reconcile.Config{Store: e.store, API: failingSearch{e.client}, Now: func() time.Time { return now },
		StuckAfter: 1000 * time.Hour, MaxLogs: 1000, MaxIssueSearches: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// The first cycle scans the logs, and every search fails.
	if _, err := r.Cycle(context.Background()); err == nil {
		t.Fatal("a cycle whose searches all failed reported no error")
	}
	sigs := pgtest.Rows(t, e.store, `SELECT signature_hash FROM error_signatures ORDER BY 1 LIMIT 1`)
	if len(sigs) == 0 {
		t.Fatal("no signatures")
	}
	hash := sigs[0][0].(string)
	if err := e.store.SaveIssueLink(context.Background(), store.IssueLink{Hash: hash, URL: "https://github.com/acme/x/issues/1",
		State: "open", CheckedAt: now.Add(-2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	st, err := r.Cycle(context.Background())
	if err == nil || st.IssueSearches != 1 {
		t.Fatalf("%d searches (error %v), want the one signature due, failing", st.IssueSearches, err)
	}
	row := pgtest.Rows(t, e.store, `SELECT issue_url, issue_checked_at FROM error_signatures WHERE signature_hash = $1`, hash)[0]
	if row[0].(string) != "https://github.com/acme/x/issues/1" || !row[1].(time.Time).Equal(now) {
		t.Errorf("after a failed search: %v, want the link kept and the lookup dated now", row)
	}
	if st, _ := r.Cycle(context.Background()); st.IssueSearches != 0 {
		t.Errorf("%d searches right after, want none before IssueRecheck", st.IssueSearches)
	}
}

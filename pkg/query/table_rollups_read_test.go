package query_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/store"
)

// TestTableRollupsRead makes sure the table panels' rollups (migration 0034) are what
// answers a long range, and that the answer is the projections' (compareAll checks the
// values; this checks that the equality is not between two raw reads).
func TestTableRollupsRead(t *testing.T) {
	pool, url := seed(t, newWorld())
	s := openStore(t, url)
	end := t0.Add(7 * 24 * time.Hour)
	if _, err := s.RefreshRollups(context.Background(), store.RollupOptions{Now: end.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	week := [2]time.Time{t0.Add(90 * time.Minute), end}
	// Twelve and a half hours: fewer than a day of final hours, which these panels read from
	// the hourly rollups too (minTableRolled), with partial hours at both ends.
	halfDay := [2]time.Time{t0.Add(3*24*time.Hour + 5*time.Hour + 13*time.Minute), t0.Add(3*24*time.Hour + 17*time.Hour + 43*time.Minute)}
	for _, c := range []struct {
		rollupCase
		span [2]time.Time
	}{
		{rollupCase{"org_overview", `{}`}, week},
		{rollupCase{"org_overview", `{"filters": {"workflows": ["CI"]}}`}, week},
		{rollupCase{"runner_builds", `{}`}, week},
		{rollupCase{"runner_builds", `{"filters": {"conclusions": ["failure"]}}`}, week},
		{rollupCase{"org_overview", `{}`}, halfDay},
		{rollupCase{"runner_builds", `{}`}, halfDay},
		{rollupCase{"repo_stats", `{"dimension": "repo", "metric": "runs", "limit": 1000}`}, halfDay},
		{rollupCase{"repo_stats", `{"dimension": "label", "metric": "failures"}`}, halfDay},
	} {
		t.Run(fmt.Sprintf("%s/%s/%s", c.queryType, c.json, c.span[1].Sub(c.span[0])), func(t *testing.T) {
			req := query.Request{RefID: "A", From: c.span[0], To: c.span[1], Interval: time.Hour, MaxDataPoints: 1000, JSON: []byte(c.json)}
			db := &readsRollup{db: pool}
			got, err := types[c.queryType](context.Background(), query.Env{DB: db}, req)
			if err != nil {
				t.Fatal(err)
			}
			if !db.read {
				t.Fatal("read no rollup")
			}
			if got[0].Rows() == 0 {
				t.Fatal("no rows: the comparison would prove nothing")
			}
			want, err := types[c.queryType](context.Background(), query.Env{DB: rawOnly{pool}}, req)
			if err != nil {
				t.Fatal(err)
			}
			sameFrames(t, got, want)
		})
	}
}

// TestTableRollupsNotScoped holds the rule of docs/scope.md for the 0034 rollups: a scoped
// data source reads rows, never rollup_overview_* or rollup_build_*, which are not split by
// its repositories (runner_builds' mix them), and its answer has only its repositories.
func TestTableRollupsNotScoped(t *testing.T) {
	pool, url := seed(t, newWorld())
	s := openStore(t, url)
	end := t0.Add(7 * 24 * time.Hour)
	if _, err := s.RefreshRollups(context.Background(), store.RollupOptions{Now: end.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	scope, err := query.ParseScope([]string{"acme/api"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []rollupCase{{"org_overview", `{}`}, {"runner_builds", `{}`}} {
		t.Run(c.queryType, func(t *testing.T) {
			req := query.Request{RefID: "A", From: t0, To: end, Interval: time.Hour, MaxDataPoints: 1000, JSON: []byte(c.json), Scope: scope}
			db := &readsRollup{db: pool}
			got, err := types[c.queryType](context.Background(), query.Env{DB: db}, req)
			if err != nil {
				t.Fatal(err)
			}
			if db.read {
				t.Fatal("a scoped request read a rollup")
			}
			if got[0].Rows() == 0 {
				t.Fatal("no rows: the scope left nothing to check")
			}
			if repo, _ := got[0].FieldByName("repo"); repo != nil {
				for i := 0; i < repo.Len(); i++ {
					if r := repo.At(i).(string); r != "acme/api" {
						t.Errorf("row %d: repository %s, out of scope", i, r)
					}
				}
			}
		})
	}
}

package query_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/store"
)

// steps are a seeded job's steps as its event lists them: none before a runner took it;
// while it runs, set-up done and checkout running; at the end all of them, a failed job's
// command failed and the upload skipped. The upload fails under continue-on-error in every
// successful job whose id is divisible by 7: those jobs passed with warnings.
func (j seedJob) steps(status string, started, _ time.Time) []map[string]any {
	out := []map[string]any{}
	if j.runner == "" || j.abandoned || (status != "in_progress" && status != "completed") {
		return out
	}
	checkout := time.Duration(3+j.id%5) * time.Second
	fixed := 2*time.Second + checkout + 4*time.Second + time.Second
	type spec struct {
		name       string
		d          time.Duration
		conclusion string
	}
	specs := []spec{{"Set up job", 2 * time.Second, "success"}, {"Run actions/checkout@v4", checkout, "success"},
		{"Run make " + j.name, max(j.dur-fixed, 0), "success"}, {"Upload coverage", 4 * time.Second, "success"},
		{"Complete job", time.Second, "success"}}
	switch {
	case j.conclusion == "failure":
		specs[2].conclusion, specs[3].conclusion = "failure", "skipped"
		specs[4].d += specs[3].d
		specs[3].d = 0
	case j.id%7 == 0:
		specs[3].conclusion = "failure"
	}
	at := started
	for i, sp := range specs {
		st := map[string]any{"name": sp.name, "number": i + 1, "status": "queued", "conclusion": nil, "started_at": nil, "completed_at": nil}
		switch {
		case status == "completed" || i == 0:
			st["status"], st["conclusion"] = "completed", sp.conclusion
			st["started_at"], st["completed_at"] = at.Format(time.RFC3339), at.Add(sp.d).Format(time.RFC3339)
		case i == 1:
			st["status"], st["started_at"] = "in_progress", at.Format(time.RFC3339)
		}
		at = at.Add(sp.d)
		out = append(out, st)
	}
	return out
}

// The steps query refuses what it cannot answer before any SQL runs.
func TestStepsBadQueries(t *testing.T) {
	cases := []struct{ name, json, want string }{
		{"unknown view", `{"view": "fastest"}`, "view"},
		{"limit too large", `{"limit": 100000}`, "limit"},
		{"negative limit", `{"view": "failing", "limit": -1}`, "limit"},
		{"steps not a list", `{"steps": "Run tests"}`, "invalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := query.Steps(context.Background(), query.Env{DB: failingDB{}}, request(c.json))
			if !query.IsBadQuery(err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want a bad query about %s", err, c.want)
			}
		})
	}
}

// The failing step of every failed seeded job, and every job that passed with warnings,
// exactly as seeded.
func TestStepsFailingAndWarnings(t *testing.T) {
	w := newWorld()
	pool, _ := seed(t, w)
	env := query.Env{DB: pool}
	wantFailed, wantWarn := map[int64]string{}, map[int64]string{}
	for _, j := range w.jobs {
		switch {
		case j.runner == "" || j.abandoned || j.status != "completed":
		case j.conclusion == "failure":
			wantFailed[j.id] = "Run make " + j.name
		case j.id%7 == 0:
			wantWarn[j.id] = "Upload coverage"
		}
	}
	if len(wantFailed) == 0 || len(wantWarn) == 0 {
		t.Fatalf("the seed has %d failed jobs and %d with warnings: the test would prove nothing", len(wantFailed), len(wantWarn))
	}
	for _, c := range []struct {
		view, field string
		want        map[int64]string
	}{{"failing", "failed_step", wantFailed}, {"warnings", "warning_step", wantWarn}} {
		t.Run(c.view, func(t *testing.T) {
			req := request(fmt.Sprintf(`{"view": %q}`, c.view))
			req.From = t0.Add(-time.Hour)
			frames, err := query.Steps(context.Background(), env, req)
			if err != nil {
				t.Fatal(err)
			}
			f := frames[0]
			ids, _ := f.FieldByName("job_id")
			steps, _ := f.FieldByName(c.field)
			got := map[int64]string{}
			for i := 0; i < f.Rows(); i++ {
				got[ids.At(i).(int64)] = *steps.At(i).(*string)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("%s:\n got %v\nwant %v", c.field, got, c.want)
			}
		})
	}
}

// The steps query reads its rollups from two final hours on (planSteps), well under a day:
// short ranges with partial hours at both ends, and one right up to the watermark, answer
// as the projections alone do (percentiles within the histogram's 1%), and the ranges
// under two hours read no rollup at all.
func TestStepsRollupsShortRanges(t *testing.T) {
	pool, url := seed(t, newWorld())
	s := openStore(t, url)
	end := t0.Add(7 * 24 * time.Hour)
	if _, err := s.RefreshRollups(context.Background(), store.RollupOptions{Now: end.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		from, to time.Time
		rolled   bool
	}{
		{"three_hours_partial_ends", t0.Add(2*24*time.Hour + 9*time.Hour + 13*time.Minute), t0.Add(2*24*time.Hour + 12*time.Hour + 40*time.Minute), true},
		{"twelve_hours_over_midnight", t0.Add(3*24*time.Hour - 6*time.Hour - 30*time.Minute), t0.Add(3*24*time.Hour + 5*time.Hour + 30*time.Minute), true},
		{"day_to_the_end", end.Add(-24 * time.Hour), end, true},
		{"two_hours_unaligned", t0.Add(4*24*time.Hour + 10*time.Minute), t0.Add(4*24*time.Hour + 2*time.Hour + 10*time.Minute), false},
		{"one_hour", t0.Add(10 * time.Hour), t0.Add(11 * time.Hour), false},
	}
	for _, c := range cases {
		for _, js := range []string{`{"limit": 1000}`, `{"view": "duration", "limit": 3}`, `{"view": "duration", "limit": 100}`} {
			t.Run(c.name+"/"+js, func(t *testing.T) {
				req := query.Request{RefID: "A", From: c.from, To: c.to, Interval: time.Minute, MaxDataPoints: 1000, JSON: []byte(js)}
				want, err := query.Steps(context.Background(), query.Env{DB: rawOnly{pool}}, req)
				if err != nil {
					t.Fatal(err)
				}
				db := &readsRollup{db: pool}
				got, err := query.Steps(context.Background(), query.Env{DB: db}, req)
				if err != nil {
					t.Fatal(err)
				}
				if db.read != c.rolled {
					t.Errorf("read rollups: %v, want %v", db.read, c.rolled)
				}
				if want[0].Rows() == 0 {
					t.Fatal("no steps in the range: the comparison would prove nothing")
				}
				sameFrames(t, got, want)
			})
		}
	}
}

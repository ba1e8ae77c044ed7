package query_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/jackc/pgx/v5/pgxpool"
)

// percentile is the nearest rank: the smallest value with at least p of the values at or
// below it (Postgres's percentile_disc).
func percentile(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[max(int(math.Ceil(p*float64(len(s))))-1, 0)]
}

// TestQueueTimeMatchesTruth holds queue_time's percentiles per label set to the seeded
// world's own queue times: approval waits excluded, jobs still queued left out.
func TestQueueTimeMatchesTruth(t *testing.T) {
	w := newWorld()
	pool, _ := seed(t, w)
	truth, abandoned := map[string][]float64{}, map[string]float64{}
	for _, j := range w.jobs {
		key := slices.Clone(j.labels)
		slices.Sort(key)
		k := strings.Join(key, ",")
		if j.abandoned || j.closure == "gone" {
			abandoned[k]++ // never taken by a runner: no queue time
			continue
		}
		if j.status == "queued" {
			continue
		}
		truth[k] = append(truth[k], j.queue.Seconds())
	}
	req := request(`{"groupBy": "labels"}`)
	req.Interval = 30 * 24 * time.Hour // one bucket holds the whole week
	frames, err := query.QueueTime(context.Background(), query.Env{DB: pool}, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != len(truth) {
		t.Fatalf("%d frames, want one per label set (%d)", len(frames), len(truth))
	}
	for _, f := range frames {
		label := f.Fields[1].Labels["label_key"]
		want := truth[label]
		if f.Rows() != 1 {
			t.Fatalf("%s: %d buckets, want 1", label, f.Rows())
		}
		for i, c := range []struct {
			name string
			want float64
		}{
			{"p50", percentile(want, 0.5)}, {"p90", percentile(want, 0.9)}, {"p95", percentile(want, 0.95)},
			{"p99", percentile(want, 0.99)}, {"max", slices.Max(want)}, {"count", float64(len(want))},
		} {
			idx := map[string]int{"p50": 1, "p90": 2, "p95": 3, "p99": 4, "max": 5, "count": 7}[c.name]
			got := *f.Fields[idx].At(0).(*float64)
			if math.Abs(got-c.want) > 1e-9 {
				t.Errorf("%s %s = %v, want %v (case %d)", label, c.name, got, c.want, i)
			}
		}
		if got := *f.Fields[8].At(0).(*float64); f.Fields[8].Name != "abandoned" || got != abandoned[label] {
			t.Errorf("%s: field %s = %v, want abandoned = %v", label, f.Fields[8].Name, got, abandoned[label])
		}
	}
}

// TestIncludeAbandoned: with includeAbandoned, an abandoned job's wait (creation to its
// end) is one more sample; without, the samples are real queue times only.
func TestIncludeAbandoned(t *testing.T) {
	w := newWorld()
	pool, _ := seed(t, w)
	cases := []struct {
		name      string
		json      string
		wantCount float64
		wantMax   float64
	}{
		// ubuntu-latest: 96 real queue times (at most 293 s), and one job cancelled while
		// queued after 40 minutes (2400 s).
		{"queue times only", `{"groupBy": "labels", "filters": {"labels": ["ubuntu-latest"]}}`, 96, 293},
		{"with abandoned waits", `{"groupBy": "labels", "includeAbandoned": true, "filters": {"labels": ["ubuntu-latest"]}}`, 97, 2400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := request(c.json)
			req.Interval = 30 * 24 * time.Hour
			frames, err := query.QueueTime(context.Background(), query.Env{DB: pool}, req)
			if err != nil {
				t.Fatal(err)
			}
			if len(frames) != 1 || frames[0].Rows() != 1 {
				t.Fatalf("%d frames, want one bucket of one label set", len(frames))
			}
			gotMax, gotCount := *frames[0].Fields[5].At(0).(*float64), *frames[0].Fields[7].At(0).(*float64)
			if gotMax != c.wantMax || gotCount != c.wantCount {
				t.Fatalf("max %v, count %v; want %v, %v", gotMax, gotCount, c.wantMax, c.wantCount)
			}
		})
	}
}

// TestHostileValues sends values that would break any query that pasted them into SQL, in
// every filter and every free-text own field of every query type: answers are empty or a
// clear error, and the store is untouched.
func TestHostileValues(t *testing.T) {
	pool, _ := seed(t, newWorld())
	env := query.Env{DB: pool, Status: fakeStatus{}}
	before := counts(t, pool)
	hostile := []string{"'; drop table deliveries; --", "\" OR 1=1 --", "ünïcødé ☃ 𝄞 \u202e", strings.Repeat("x", 10000), "$1", "%", `\`}
	filters := `{"orgs": H, "repos": H, "workflows": H, "labels": H, "branches": H, "events": H, "conclusions": H, "runnerGroups": H}`
	for _, h := range hostile {
		hj := mustJSON([]string{h})
		f := strings.ReplaceAll(filters, "H", hj)
		s := mustJSON(h)
		for name, run := range types {
			for _, js := range []string{
				`{"filters": ` + f + `}`,
				`{"groupBy": ` + s + `, "dimension": ` + s + `, "metric": ` + s + `, "splitBy": ` + s + `, "view": ` + s + `, "source": ` + s + `, "value": ` + s + `}`,
				`{"repo": ` + s + `, "branch": ` + s + `, "runId": ` + s + `, "states": ` + hj + `}`,
			} {
				frames, err := run(context.Background(), env, request(js))
				switch {
				case err != nil && !query.IsBadQuery(err):
					t.Errorf("%s %.60s: error is not a clear bad-query error: %v", name, js, err)
				case err == nil && filtered[name] && matched(frames) && strings.Contains(js, "filters"):
					t.Errorf("%s: hostile filters matched data", name)
				}
			}
		}
	}
	if after := counts(t, pool); after != before {
		t.Errorf("store changed: %v, then %v", before, after)
	}
}

// filtered are the types whose data the shared filters narrow; github_status, incident
// annotations and ingest_health (deliveries carry no repository) do not take filters.
var filtered = map[string]bool{
	"queue_time": true, "queued_now": true, "jobs": true, "job_states": true, "runners": true,
	"runner_utilization": true, "repo_stats": true, "build_results": true, "flaky_jobs": true,
	"nightly_failures": true, "error_signatures": true, "annotations": true,
}

// matched reports whether any frame holds data: a string, or a number other than zero
// (job_states answers a grid of zeros when nothing matches).
func matched(frames []*dataFrame) bool {
	for _, f := range frames {
		for _, fl := range f.Fields {
			for i := 0; i < fl.Len(); i++ {
				switch v := fl.At(i).(type) {
				case string:
					return true
				case *string:
					return v != nil
				case float64:
					if v != 0 {
						return true
					}
				case *float64:
					if v != nil && *v != 0 {
						return true
					}
				}
			}
		}
	}
	return false
}

func counts(t *testing.T, pool *pgxpool.Pool) [4]int {
	t.Helper()
	var c [4]int
	err := pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM deliveries), (SELECT count(*) FROM workflow_jobs),
		(SELECT count(*) FROM workflow_runs), (SELECT count(*) FROM error_signatures)`).Scan(&c[0], &c[1], &c[2], &c[3])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBadQueries: every mistake gets an error that says what is wrong.
func TestBadQueries(t *testing.T) {
	env := query.Env{DB: failingDB{}, Status: fakeStatus{}}
	tests := []struct {
		name, queryType, json, want string
		from, to                    time.Time
	}{
		{name: "bad JSON", queryType: "jobs", json: `{"limit": "many"`, want: "query JSON is invalid"},
		{name: "wrong type", queryType: "jobs", json: `{"limit": "many"}`, want: "query JSON is invalid"},
		{name: "unknown groupBy", queryType: "queue_time", json: `{"groupBy": "planet"}`, want: `groupBy "planet" is not one of`},
		{name: "unknown metric", queryType: "repo_stats", json: `{"metric": "vibes"}`, want: `metric "vibes"`},
		{name: "negative limit", queryType: "jobs", json: `{"limit": -1}`, want: "limit -1 is outside"},
		{name: "unknown state", queryType: "jobs", json: `{"states": ["sleeping"]}`, want: `state "sleeping"`},
		{name: "pipeline with a repo but no branch", queryType: "pipeline", json: `{"repo": "acme/web"}`, want: "needs both repo and branch"},
		{name: "pipeline run id not a number", queryType: "pipeline", json: `{"runId": "$run_id"}`, want: "not a positive number"},
		{name: "pipeline run id that is no id", queryType: "pipeline", json: `{"runId": "*7"}`, want: "not a positive number"},
		{name: "unknown view", queryType: "github_status", json: `{"view": "weather"}`, want: `view "weather"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := types[tc.queryType](context.Background(), env, request(tc.json))
			if !query.IsBadQuery(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want a bad query saying %q", err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     string
	}{
		{"reversed range", t0.Add(time.Hour), t0, "empty or reversed"},
		{"empty range", t0, t0, "empty or reversed"},
		{"missing range", time.Time{}, t0, "missing"},
		{"range over 400 days", t0.Add(-500 * 24 * time.Hour), t0, "longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := query.Request{From: tc.from, To: tc.to}.Validate()
			if !query.IsBadQuery(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestSelectValue: alert rules pick one measure; every frame keeps its time field and that
// measure with its labels, and a name that is not there is a clear error.
func TestSelectValue(t *testing.T) {
	pool, _ := seed(t, newWorld())
	env := query.Env{DB: pool, Status: fakeStatus{}}
	tests := []struct {
		name, queryType, json string
		want                  []string // field names of every frame
		err                   string
	}{
		{name: "queue_time p95", queryType: "queue_time", json: `{"groupBy": "labels", "value": "p95"}`, want: []string{"time", "p95"}},
		{name: "build_results failure", queryType: "build_results", json: `{"splitBy": "repo", "value": "failure"}`, want: []string{"time", "failure"}},
		{name: "ingest_health newest age", queryType: "ingest_health", json: `{"value": "newest_delivery_age_seconds"}`, want: []string{"newest_delivery_age_seconds"}},
		{name: "unknown measure", queryType: "queue_time", json: `{"value": "p42"}`, err: `value "p42" is not a field of this answer: use one of abandoned, avg, count, max, p50`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := request(tc.json)
			frames, err := types[tc.queryType](context.Background(), env, req)
			if err == nil {
				frames, err = query.SelectValue(req, frames)
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || len(frames) == 0 {
				t.Fatalf("frames %v, error %v", frames, err)
			}
			for _, f := range frames {
				var names []string
				for _, fl := range f.Fields {
					names = append(names, fl.Name)
				}
				if !slices.Equal(names, tc.want) || f.Rows() == 0 {
					t.Errorf("frame %q: fields %v (%d rows), want %v", f.Name, names, f.Rows(), tc.want)
				}
			}
		})
	}
}

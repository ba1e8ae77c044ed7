package query_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/google/go-github/v62/github"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Rows the reconciler fetched from the REST API are not webhook deliveries: they must not
// count in ingest_health, and above all must not make the newest delivery look recent,
// or "no delivery for an hour" could never fire while the reconciler runs.
func TestIngestHealthLeavesOutAPIRows(t *testing.T) {
	ctx := context.Background()
	pool, url := seed(t, newWorld())
	env := query.Env{DB: pool, Status: fakeStatus{}}
	answer := func() (data.Frames, *float64) {
		t.Helper()
		req := request(`{}`)
		frames, err := query.IngestHealth(ctx, env, req)
		if err != nil {
			t.Fatal(err)
		}
		age, err := query.SelectValue(request(`{"value": "newest_delivery_age_seconds"}`), frames)
		if err != nil || len(age) != 1 {
			t.Fatalf("newest age: %v, %v", age, err)
		}
		v, _ := age[0].Fields[0].ConcreteAt(0)
		f, _ := v.(float64)
		return frames[:len(frames)-1], &f
	}
	beforeSeries, beforeAge := answer()

	s, err := store.Open(ctx, url, store.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fetched := t0.Add(7*24*time.Hour - 10*time.Second) // newer than any webhook delivery
	it, err := store.JobItem(store.RepoRef{ID: 1, FullName: "acme/api", Org: "acme"}, &github.WorkflowJob{
		ID: github.Int64(987654321), RunID: github.Int64(1), Status: github.String("completed"),
		Conclusion: github.String("success"), Name: github.String("reconciled"),
	}, fetched)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.Write(ctx, []store.Item{it}); err != nil || res.Stored != 1 {
		t.Fatalf("write API row: %+v %v", res, err)
	}

	afterSeries, afterAge := answer()
	// The seeded webhook deliveries end well before the API row, so counting it would
	// shrink the age to 10 s.
	if *afterAge != *beforeAge || *beforeAge <= 60 {
		t.Fatalf("newest delivery age %v s before the API row and %v s after, want the same, over 60 s", *beforeAge, *afterAge)
	}
	if !reflect.DeepEqual(beforeSeries, afterSeries) {
		t.Fatal("deliveries per bucket changed when an API row was written")
	}
}

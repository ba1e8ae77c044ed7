package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
)

// Reproject rebuilds from the raw log exactly what live ingest produced.
func TestReprojectEqualsLiveIngest(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var items []store.Item
	for i, p := range fixtures.All() {
		items = append(items, item(t, p.Name, p.Event, p.Body, at.Add(time.Duration(i)*time.Minute)))
	}
	// And synthetic jobs with every state, approvals included, in batches of two.
	for j := range int64(30) {
		e := jobEvent{jobID: 9000 + j, runID: 900 + j/5, created: at, started: at.Add(time.Duration(j) * time.Minute),
			completed: at.Add(time.Hour), conclusion: "failure", runner: "r", labels: []string{"self-hosted", "linux"}}
		for k, st := range []string{"completed", "queued", "waiting", "queued", "in_progress"} {
			e.status = st
			items = append(items, item(t, deliveryID(e.jobID, st, k), "workflow_job", e.payload(t), at.Add(time.Duration(k)*time.Second)))
		}
	}
	for i := 0; i < len(items); i += 2 {
		if _, err := s.Write(ctx, items[i:min(i+2, len(items))]); err != nil {
			t.Fatal(err)
		}
	}
	live := snapshot(t, s)
	if len(live.Jobs) < 30 || len(live.Runs) == 0 {
		t.Fatalf("live ingest projected too little: %d jobs, %d runs", len(live.Jobs), len(live.Runs))
	}
	st, err := s.Reproject(ctx, 7) // a small batch forces many rounds
	if err != nil {
		t.Fatal(err)
	}
	if st.Skipped != 0 || st.Projected == 0 {
		t.Fatalf("reproject stats %+v", st)
	}
	if rebuilt := snapshot(t, s); !reflect.DeepEqual(live, rebuilt) {
		t.Fatalf("reprojected rows differ from live ingest")
	}
}

package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
)

// codecs returns each delivery's payload codec and stored size.
func codecs(t *testing.T, s *store.Store) (map[string]int16, int) {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), "SELECT delivery_id, payload_codec, octet_length(payload) FROM deliveries")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int16{}
	total := 0
	for rows.Next() {
		var id string
		var c int16
		var n int
		if err := rows.Scan(&id, &c, &n); err != nil {
			t.Fatal(err)
		}
		out[id], total = c, total+n
	}
	return out, total
}

// jobLife is a job's queued, in_progress and completed deliveries (ids <prefix>-<status>)
// and a run's requested and completed, each delivery a minute after the one before.
func jobLife(t *testing.T, prefix string, jobID int64, at time.Time) []store.Item {
	t.Helper()
	e := jobEvent{jobID: jobID, runID: 77, created: at, started: at.Add(time.Minute), completed: at.Add(3 * time.Minute),
		conclusion: "success", runner: "r1", labels: []string{"ubuntu-latest"}}
	var items []store.Item
	for i, st := range []string{"queued", "in_progress", "completed"} {
		e.status = st
		items = append(items, item(t, prefix+"-"+st, "workflow_job", e.payload(t), at.Add(time.Duration(i)*time.Minute)))
	}
	items = append(items, item(t, prefix+"-requested", "workflow_run", fixtures.Get("workflow_run.requested.1"), at),
		item(t, prefix+"-run-completed", "workflow_run", fixtures.Get("workflow_run.completed.3"), at.Add(4*time.Minute)))
	return items
}

// A job's and a run's later deliveries are stored against their first, committed before
// or in the same batch, and read back whole, alone, in a reproject and in a check; a
// store told NoBases stores them all against the dictionary, in more bytes.
func TestPayloadsAgainstTheirBase(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 4, 9, 0, 0, 0, time.UTC) // a Wednesday
	type want map[string]int16
	cases := []struct {
		name    string
		opts    store.Options
		batches [][]int // indexes into jobLife's items, one Write each
		want    want
	}{
		{"one delivery a write", store.Options{}, [][]int{{0}, {3}, {1}, {2}, {4}},
			want{"queued": store.CodecZstd, "in_progress": store.CodecZstdBase, "completed": store.CodecZstdBase,
				"requested": store.CodecZstd, "run-completed": store.CodecZstdBase}},
		{"all in one write", store.Options{}, [][]int{{4, 3, 2, 1, 0}},
			want{"queued": store.CodecZstd, "in_progress": store.CodecZstdBase, "completed": store.CodecZstdBase,
				"requested": store.CodecZstd, "run-completed": store.CodecZstdBase}},
		{"NoBases", store.Options{NoBases: true}, [][]int{{0}, {3}, {1}, {2}, {4}},
			want{"queued": store.CodecZstd, "in_progress": store.CodecZstd, "completed": store.CodecZstd,
				"requested": store.CodecZstd, "run-completed": store.CodecZstd}},
	}
	sizes := map[string]int{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.MaxConns = 4
			s, err := store.Open(ctx, pgtest.NewDatabase(t), c.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			items := jobLife(t, "d", 4242, at)
			for _, b := range c.batches {
				var batch []store.Item
				for _, i := range b {
					batch = append(batch, items[i])
				}
				if _, err := s.Write(ctx, batch); err != nil {
					t.Fatal(err)
				}
			}
			got, total := codecs(t, s)
			sizes[c.name] = total
			for suffix, codec := range c.want {
				if got["d-"+suffix] != codec {
					t.Errorf("%s: codec %d, want %d", suffix, got["d-"+suffix], codec)
				}
			}
			for _, it := range items {
				back, err := s.RawPayload(ctx, it.Delivery.ID)
				if err != nil || !bytes.Equal(back, it.Delivery.Payload) {
					t.Fatalf("%s: %d bytes back (%v), want the %d sent", it.Delivery.ID, len(back), err, len(it.Delivery.Payload))
				}
			}
			live := snapshot(t, s)
			if st, err := s.Reproject(ctx, 2); err != nil || st.Skipped != 0 || st.Deliveries != len(items) {
				t.Fatalf("reproject: %+v, %v", st, err)
			}
			if !reflect.DeepEqual(snapshot(t, s), live) {
				t.Errorf("reprojected rows differ from live ingest")
			}
			if st, err := s.Compact(ctx, true, 2); err != nil || len(st.Corrupt) != 0 || st.Rows != len(items) {
				t.Errorf("check: %+v, %v", st, err)
			}
			if after, _ := codecs(t, s); !reflect.DeepEqual(after, got) {
				t.Errorf("compact -rewrite changed the codecs %v to %v: deltas are kept, and no row needed a newer dictionary", got, after)
			}
		})
	}
	if sizes["one delivery a write"] >= sizes["NoBases"]*2/3 {
		t.Errorf("against their base the payloads take %d bytes, against the dictionary alone %d: want a third less at least",
			sizes["one delivery a write"], sizes["NoBases"])
	}
}

// A base and its deltas are of one week, so that retention, which drops or deletes whole
// weeks, takes them together: a delivery of the next week is stored against the dictionary
// and is the base of that week's deliveries, which stay readable once the week before is
// gone, in a weekly partition as in the default one.
func TestBasesStayInTheirWeek(t *testing.T) {
	ctx := context.Background()
	for _, partitioned := range []bool{true, false} {
		t.Run(fmt.Sprintf("partitioned=%v", partitioned), func(t *testing.T) {
			s := newStore(t)
			if partitioned {
				ensure(t, s, week0)
			}
			sunday := week0.Add(store.PartitionWeek - 2*time.Minute)
			e := jobEvent{jobID: 5151, runID: 51, created: sunday, started: sunday.Add(time.Minute), completed: sunday.Add(3 * time.Minute),
				conclusion: "success", runner: "r1", labels: []string{"ubuntu-latest"}}
			steps := []struct {
				status string
				at     time.Time
				want   int16
			}{
				{"queued", sunday, store.CodecZstd},
				{"waiting", sunday.Add(time.Minute), store.CodecZstdBase},
				{"in_progress", sunday.Add(3 * time.Minute), store.CodecZstd}, // Monday: the next week
				{"completed", sunday.Add(4 * time.Minute), store.CodecZstdBase},
			}
			for _, st := range steps {
				e.status = st.status
				if _, err := s.Write(ctx, []store.Item{item(t, "w-"+st.status, "workflow_job", e.payload(t), st.at)}); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := codecs(t, s)
			for _, st := range steps {
				if got["w-"+st.status] != st.want {
					t.Errorf("%s: codec %d, want %d", st.status, got["w-"+st.status], st.want)
				}
			}
			// A cutoff between a base and its delta removes neither: the week is kept whole.
			if n, err := s.PruneDeliveries(ctx, sunday.Add(30*time.Second)); err != nil || n != 0 {
				t.Fatalf("a cutoff inside the first week pruned %d (%v), want nothing", n, err)
			}
			e.status = "waiting"
			if back, err := s.RawPayload(ctx, "w-waiting"); err != nil || !bytes.Equal(back, e.payload(t)) {
				t.Errorf("the delta after a prune inside its week: %v", err)
			}
			// A cutoff inside the second week removes the first week whole, not the second.
			n, err := s.PruneDeliveries(ctx, week0.Add(store.PartitionWeek+3*24*time.Hour))
			if err != nil || n != 2 {
				t.Fatalf("pruned %d (%v), want the first week's 2", n, err)
			}
			for _, st := range steps[2:] {
				e.status = st.status
				back, err := s.RawPayload(ctx, "w-"+st.status)
				if err != nil || !bytes.Equal(back, e.payload(t)) {
					t.Errorf("%s after the week before was pruned: %v", st.status, err)
				}
			}
		})
	}
}

// A delta whose base is gone (a row deleted by hand: nothing CI Radar does removes a base
// before its deltas) is reported, never guessed at: RawPayload names ErrMissingBase, the
// check lists it as corrupt, reproject skips and counts it, and the store counts it.
func TestMissingBase(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2026, 11, 4, 9, 0, 0, 0, time.UTC)
	items := jobLife(t, "m", 6161, at)
	for _, it := range items[:3] {
		if _, err := s.Write(ctx, []store.Item{it}); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := codecs(t, s); got["m-completed"] != store.CodecZstdBase {
		t.Fatalf("the completed delivery is not stored against its base: codec %d", got["m-completed"])
	}
	if _, err := s.Pool().Exec(ctx, "DELETE FROM deliveries WHERE delivery_id = 'm-queued'"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RawPayload(ctx, "m-completed"); !errors.Is(err, store.ErrMissingBase) {
		t.Errorf("a delta without its base: %v, want ErrMissingBase", err)
	}
	st, err := s.Compact(ctx, false, 100)
	if err != nil || fmt.Sprint(st.Corrupt) != "[m-in_progress m-completed]" {
		t.Errorf("check: corrupt %v, %v; want [m-completed m-in_progress]", st.Corrupt, err)
	}
	rs, err := s.Reproject(ctx, 100)
	if err != nil || rs.Skipped != 2 || rs.Deliveries != 2 {
		t.Errorf("reproject: %+v, %v; want both deltas read and skipped", rs, err)
	}
	if n := s.PayloadBaseFailures(); n < 3 {
		t.Errorf("%d base failures counted, want one per failed read (at least 3)", n)
	}
}

// A base of the same batch that turns out a duplicate (another replica stored that id
// first, with other bytes) is no base: its delta is stored against the dictionary
// instead, and reads back whole.
func TestBaseOfABatchThatIsADuplicate(t *testing.T) {
	ctx := context.Background()
	db := pgtest.NewDatabase(t)
	open := func() *store.Store {
		s, err := store.Open(ctx, db, store.Options{MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	first, second := open(), open()
	at := time.Date(2026, 11, 4, 9, 0, 0, 0, time.UTC)
	items := jobLife(t, "x", 7171, at)
	other := jobEvent{jobID: 7171, runID: 77, status: "queued", created: at.Add(-time.Hour), labels: []string{"another-label"}}
	if _, err := first.Write(ctx, []store.Item{item(t, "x-queued", "workflow_job", other.payload(t), at)}); err != nil {
		t.Fatal(err)
	}
	res, err := second.Write(ctx, items[:2])
	if err != nil || res.Stored != 1 || !res.New["x-in_progress"] {
		t.Fatalf("write: %+v, %v; want x-in_progress stored, x-queued a duplicate", res, err)
	}
	if got, _ := codecs(t, second); got["x-in_progress"] != store.CodecZstd {
		t.Errorf("in_progress: codec %d, want %d (its batch's base was not stored)", got["x-in_progress"], store.CodecZstd)
	}
	back, err := second.RawPayload(ctx, "x-in_progress")
	if err != nil || !bytes.Equal(back, items[1].Delivery.Payload) {
		t.Errorf("in_progress: %d bytes back (%v)", len(back), err)
	}
}

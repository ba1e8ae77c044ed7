package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
)

// A batch the database refuses, in either of the write's two pipelines, stores nothing,
// leaves its connection fit for the next batch, and does not fail its neighbours when it
// goes through the committer.
func TestFailedWriteStoresNothing(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		bad  func(t *testing.T) store.Item
	}{
		{"refused by the raw insert (first pipeline)", func(t *testing.T) store.Item {
			it := jobItem(t, 1, "queued", now)
			it.Delivery.ID = "bad-\xff-id" // not UTF-8: Postgres refuses the text
			return it
		}},
		{"refused by the job upsert (second pipeline)", func(t *testing.T) store.Item {
			it := jobItem(t, 2, "queued", now)
			j := *it.Projection.Job
			j.Repo = "bad-\xff-repo"
			it.Projection.Job = &j
			return it
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			// One connection: the next write must reuse the one the failure went through.
			s, err := store.Open(ctx, pgtest.NewDatabase(t), store.Options{MaxConns: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			good := jobItem(t, 10, "in_progress", now)
			if _, err := s.Write(ctx, []store.Item{good, tc.bad(t)}); err == nil {
				t.Fatal("Write of a refused batch succeeded")
			}
			if n := countRows(t, s, "deliveries"); n != 0 {
				t.Fatalf("%d deliveries stored by a failed batch, want 0", n)
			}
			if res, err := s.Write(ctx, []store.Item{good}); err != nil || res.Stored != 1 {
				t.Fatalf("write after a failure: %+v %v, want 1 stored", res, err)
			}

			c := store.NewCommitter(s, store.CommitterOptions{Writers: 1})
			defer c.Close()
			other := jobItem(t, 11, "queued", now)
			results := make(chan error, 2)
			for _, it := range []store.Item{other, tc.bad(t)} {
				go func() {
					_, err := c.Submit(ctx, it)
					results <- err
				}()
			}
			var failed int
			for range 2 {
				if err := <-results; err != nil {
					failed++
				}
			}
			if failed != 1 || countRows(t, s, "workflow_jobs") != 2 {
				t.Fatalf("committer: %d failed, %d jobs; want the bad one failed and 2 jobs stored",
					failed, countRows(t, s, "workflow_jobs"))
			}
		})
	}
}

func jobItem(t *testing.T, jobID int64, status string, at time.Time) store.Item {
	t.Helper()
	e := jobEvent{jobID: jobID, runID: 5, status: status, created: at, started: at.Add(time.Minute),
		runner: "r1", labels: []string{"linux"}}
	return item(t, deliveryID(jobID, status, 0), "workflow_job", e.payload(t), at)
}

func countRows(t *testing.T, s *store.Store, table string) int {
	t.Helper()
	var n int
	// table is one of this test's constants, never input.
	if err := s.Pool().QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The payloads of a batch travel as one value cut by offset and length: each must come back
// byte for byte, whatever its size and bytes, and a duplicate's payload must not shift its
// neighbours'.
func TestWriteStoresEachPayloadWhole(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	big := make([]byte, 70_000)
	for i := range big {
		big[i] = byte(i * 7)
	}
	cases := []struct {
		name     string
		payloads []string
	}{
		{"one", []string{`{"a":1}`}},
		{"sizes from empty to 70 KB", []string{``, `{}`, string(big), `{"b":2}`}},
		{"NUL and bytes that are not UTF-8", []string{"\x00\x01", "\xff\xfe{}", "\x00"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			ctx := context.Background()
			var items []store.Item
			for i, p := range tc.payloads {
				items = append(items, store.Item{Delivery: store.Delivery{ID: fmt.Sprintf("p-%d", i), Event: "push",
					ReceivedAt: at, Payload: []byte(p)}})
			}
			// The first delivery again, first in the next batch: the others keep their bytes.
			if _, err := s.Write(ctx, items[:1]); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Write(ctx, items); err != nil {
				t.Fatal(err)
			}
			for i, p := range tc.payloads {
				got, err := s.RawPayload(ctx, fmt.Sprintf("p-%d", i))
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != p {
					t.Fatalf("payload %d: %d bytes back, want %d (%q…)", i, len(got), len(p), got[:min(len(got), 16)])
				}
			}
		})
	}
}

// A delivery's row stays whole in the heap: its GUID, event and action never go to the
// TOAST table on their own (migration 0012), whatever payload rides with them.
func TestDeliveryRowsStayInline(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		id      string
		payload []byte
	}{
		{"GitHub GUID, job payload", "72d3162e-cc78-11e3-81ab-4c9367dc0958", jobItem(t, 1, "completed", at).Delivery.Payload},
		{"long id, 7 KB payload", strings.Repeat("d", 128), []byte(`{"x":"` + strings.Repeat("ab", 3500) + `"}`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			ctx := context.Background()
			it := store.Item{Delivery: store.Delivery{ID: tc.id, Event: "workflow_job_with_a_longer_event_name",
				Action: "an_action_name_longer_than_twenty", TargetType: "organization_or_enterprise_target",
				ReceivedAt: at, Payload: tc.payload}}
			if _, err := s.Write(ctx, []store.Item{it}); err != nil {
				t.Fatal(err)
			}
			var toastRows int
			if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_class c
				JOIN pg_class t ON t.oid = c.reltoastrelid
				WHERE c.relname = 'deliveries' AND pg_relation_size(t.oid) > 0`).Scan(&toastRows); err != nil {
				t.Fatal(err)
			}
			if toastRows != 0 {
				t.Fatal("the deliveries' TOAST table holds data: a column of the row was moved out of line")
			}
		})
	}
}

// Labels travel to Postgres as an array literal: any label must come back as written, in
// its order, whatever characters it holds.
func TestWriteKeepsLabelsAsWritten(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		labels []string
	}{
		{"none", nil},
		{"plain", []string{"self-hosted", "linux", "x64"}},
		{"quotes and backslashes", []string{`a"b`, `c\d`, `\"`, `\\`}},
		{"array syntax", []string{"a,b", "{c}", " d ", "e f"}},
		{"NULL and empty", []string{"NULL", "", "null"}},
		{"not ASCII", []string{"größe", "日本", "🐧"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			ctx := context.Background()
			job := &store.Job{JobID: int64(100 + i), RunID: 1, RunAttempt: 1, Status: "queued", Labels: tc.labels,
				FirstSeenAt: at, LastSeenAt: at}
			it := store.Item{Delivery: store.Delivery{ID: fmt.Sprintf("labels-%d", i), Event: "workflow_job",
				ReceivedAt: at, Payload: []byte(`{}`)}, Projection: store.Projection{Job: job}}
			if _, err := s.Write(ctx, []store.Item{it}); err != nil {
				t.Fatal(err)
			}
			var got []string
			if err := s.Pool().QueryRow(ctx, "SELECT labels FROM workflow_jobs WHERE job_id = $1", job.JobID).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.labels) || (len(got) > 0 && !reflect.DeepEqual(got, tc.labels)) {
				t.Fatalf("labels %q back, want %q", got, tc.labels)
			}
		})
	}
}

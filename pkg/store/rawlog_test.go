package store_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
)

var updateDict = flag.Bool("update", false, "retrain dictionaries/github-1.zdict from the fixtures")

// Dictionary 1 is committed; -update retrains it. Either way it must shrink every real
// payload in testdata at least fourfold: a dictionary that no longer matches GitHub's
// payloads fails here, not in a store's size.
func TestFirstDictionary(t *testing.T) {
	const path = "dictionaries/github-1.zdict"
	if *updateDict {
		d, err := store.FixtureDictionary()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, d, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	s := newStore(t)
	if err := s.EnsureDictionary(ctx); err != nil {
		t.Fatal(err)
	}
	var raw, stored int
	for _, p := range fixtures.All() {
		if _, err := s.Write(ctx, []store.Item{{Delivery: store.Delivery{ID: p.Name, Event: p.Event, ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Payload: p.Body}}}); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.Pool().QueryRow(ctx, "SELECT octet_length(payload) FROM deliveries WHERE delivery_id = $1", p.Name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		raw, stored = raw+len(p.Body), stored+n
		back, err := s.RawPayload(ctx, p.Name)
		if err != nil || !bytes.Equal(back, p.Body) {
			t.Fatalf("%s: %d bytes back (%v), want the %d sent", p.Name, len(back), err, len(p.Body))
		}
	}
	if stored*4 > raw {
		t.Errorf("the fixtures store in %d bytes of %d: less than fourfold", stored, raw)
	}
	t.Logf("fixtures: %d bytes as sent, %d stored (%.1f×)", raw, stored, float64(raw)/float64(stored))
}

// Every real payload in testdata round-trips through every dictionary version a store has
// held, of both kinds: dictionary 1 and 2 formatted, 3 to 7 raw content. Rows keep the
// dictionary they were written with, and stay readable after newer ones are adopted,
// though the codec holds only a few at a time. Each version also stores every payload in
// the delta form (CodecZstdBase): as a later delivery of a job whose first payload, its
// base, that version's dictionary encoded; read one by one (each base read from the
// store) and in a pass. A check of the whole log finds each version and nothing corrupt.
func TestPayloadsRoundTripEveryDictionary(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	all := fixtures.All()
	at := func(version int) time.Time { return time.Date(2026, 1, 2, 3, 4, version, 0, time.UTC) }
	write := func(version int) {
		t.Helper()
		var items []store.Item
		for _, p := range all {
			items = append(items, store.Item{Delivery: store.Delivery{ID: fmt.Sprintf("v%d-%s", version, p.Name), Event: p.Event,
				ReceivedAt: at(version), Payload: p.Body}})
		}
		if _, err := s.Write(ctx, items); err != nil {
			t.Fatal(err)
		}
		// The delta form: a job's first delivery (a UUID id, as GitHub's), committed, then
		// every payload as a later delivery of that job; a job of its own each version.
		base := item(t, fmt.Sprintf("00000000-0000-4000-8000-%012d", version), "workflow_job",
			fixtures.Edited("workflow_job.queued.1", fixtures.SetJobField("id", 9000+version)), at(version).Add(-time.Minute))
		if _, err := s.Write(ctx, []store.Item{base}); err != nil {
			t.Fatal(err)
		}
		items = nil
		for _, p := range all {
			items = append(items, store.Item{Delivery: store.Delivery{ID: fmt.Sprintf("v%d-delta-%s", version, p.Name), Event: p.Event,
				ReceivedAt: at(version).Add(time.Minute), Payload: p.Body}, Projection: base.Projection})
		}
		if _, err := s.Write(ctx, items); err != nil {
			t.Fatal(err)
		}
	}
	const versions = 7
	write(1)
	for v := 2; v <= versions; v++ {
		info, err := s.Train(ctx, store.TrainOptions{Sample: 1000, Force: true, Formatted: v == 2})
		wantKind := map[bool]string{true: "formatted", false: "raw"}[v == 2]
		if err != nil || !info.Adopted || info.ID != int32(v) || info.Kind != wantKind {
			t.Fatalf("train version %d: %+v, %v; want a %s dictionary adopted", v, info, err, wantKind)
		}
		write(v)
	}
	want := map[string]int{"zstd+base": versions * len(all)}
	for v := 1; v <= versions; v++ {
		want[fmt.Sprintf("zstd+dict %d", v)] = len(all) + 1
		for _, form := range []string{"", "delta-"} {
			for _, p := range all {
				got, err := s.RawPayload(ctx, fmt.Sprintf("v%d-%s%s", v, form, p.Name))
				if err != nil || !bytes.Equal(got, p.Body) {
					t.Fatalf("version %d, %s%s: %d bytes back (%v), want the %d sent", v, form, p.Name, len(got), err, len(p.Body))
				}
			}
		}
		if n := s.HeldDictionaries(); n > 5 {
			t.Errorf("after reading version %d the codec holds %d dictionaries; want at most 5", v, n)
		}
	}
	// A small batch: most deltas' bases are in an earlier batch of the pass, or none.
	st, err := s.Compact(ctx, false, 7)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(st.ByFormat) != fmt.Sprint(want) || len(st.Corrupt) != 0 || st.Rewritten != 0 {
		t.Errorf("check found %v, %d corrupt, %d rewritten; want %v", st.ByFormat, len(st.Corrupt), st.Rewritten, want)
	}
}

// Rows from before migration 0023 hold payloads as received. They stay so until
// `compact -rewrite` is asked; then they hold the newest dictionary's encoding of the
// same bytes, and reproject still builds the same projections from them.
func TestCompactRewritesOnlyWhenAsked(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := fixtures.All()[0]
	// A row as stored before 0023, with its id recorded as Write records a text id (0024, 0029).
	if _, err := s.Pool().Exec(ctx, `WITH d AS (INSERT INTO deliveries (delivery_id, event, received_at, payload)
		VALUES ('old', $1, now(), $2) RETURNING delivery_id, received_at) INSERT INTO delivery_guids (delivery_id, received_at) SELECT * FROM d`, p.Event, p.Body); err != nil {
		t.Fatal(err)
	}
	for _, rewrite := range []bool{false, true} {
		st, err := s.Compact(ctx, rewrite, 100)
		if err != nil {
			t.Fatal(err)
		}
		var codec int16
		if err := s.Pool().QueryRow(ctx, "SELECT payload_codec FROM deliveries WHERE delivery_id = 'old'").Scan(&codec); err != nil {
			t.Fatal(err)
		}
		wantCodec, wantRewritten := store.CodecAsReceived, 0
		if rewrite {
			wantCodec, wantRewritten = store.CodecZstd, 1
		}
		if codec != wantCodec || st.Rewritten != wantRewritten {
			t.Errorf("rewrite=%v: codec %d, %d rewritten; want %d, %d", rewrite, codec, st.Rewritten, wantCodec, wantRewritten)
		}
		got, err := s.RawPayload(ctx, "old")
		if err != nil || !bytes.Equal(got, p.Body) {
			t.Fatalf("rewrite=%v: payload changed (%v)", rewrite, err)
		}
	}
}

// What cannot be compressed is kept as received, flagged and counted: a payload that
// does not shrink, and every payload while the newest dictionary is corrupt. A row that
// names a dictionary the store lacks is reported, not guessed at.
func TestPayloadFallbacks(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var heard []string
	s.SetFallbackHook(func(err error) { heard = append(heard, err.Error()) })
	noise := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	job := fixtures.Get("workflow_job.completed.1")
	codecOf := func(id string) int16 {
		t.Helper()
		var c int16
		if err := s.Pool().QueryRow(ctx, "SELECT payload_codec FROM deliveries WHERE delivery_id = $1", id).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	write := func(id string, body []byte) {
		t.Helper()
		if _, err := s.Write(ctx, []store.Item{{Delivery: store.Delivery{ID: id, Event: "push", ReceivedAt: time.Now(), Payload: body}}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.RawPayload(ctx, id)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%s: payload not kept whole (%v)", id, err)
		}
	}

	write("noise", noise)
	if c := codecOf("noise"); c != store.CodecFallback || s.PayloadFallbacks() != 1 {
		t.Errorf("incompressible payload: codec %d, %d fallbacks; want %d, 1", c, s.PayloadFallbacks(), store.CodecFallback)
	}
	if _, err := s.Pool().Exec(ctx, `INSERT INTO payload_dictionaries (id, created_at, samples, dict) VALUES (2, now(), 0, '\x37a430ec0200')`); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadDictionaries(ctx); err != nil {
		t.Fatal(err)
	}
	write("under a corrupt dictionary", job)
	if c := codecOf("under a corrupt dictionary"); c != store.CodecFallback || s.PayloadFallbacks() != 2 {
		t.Errorf("corrupt dictionary: codec %d, %d fallbacks; want %d, 2", c, s.PayloadFallbacks(), store.CodecFallback)
	}
	if len(heard) != 2 || !strings.Contains(heard[0], "does not shrink") || !strings.Contains(heard[1], "dictionary 2") {
		t.Errorf("the hook heard %q", heard)
	}

	if _, err := s.Pool().Exec(ctx, `WITH d AS (INSERT INTO deliveries (delivery_id, event, received_at, payload_codec, payload_dict, payload)
		VALUES ('orphan', 'push', now(), 1, 99, '\x00') RETURNING delivery_id, received_at) INSERT INTO delivery_guids (delivery_id, received_at) SELECT * FROM d`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RawPayload(ctx, "orphan"); !errors.Is(err, store.ErrMissingDictionary) {
		t.Errorf("a row naming a missing dictionary: %v", err)
	}
	st, err := s.Compact(ctx, false, 100)
	if err != nil || fmt.Sprint(st.Corrupt) != "[orphan]" {
		t.Errorf("check: corrupt %v, %v; want [orphan]", st.Corrupt, err)
	}
}

// A retrain is adopted only when it stores the held-out payloads smaller: built again
// from the same payloads, the raw content is the same and is not stored twice; a dry run
// returns the dictionary and stores nothing.
func TestTrainAdoptsOnlySmaller(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var items []store.Item
	for _, p := range fixtures.All() {
		items = append(items, store.Item{Delivery: store.Delivery{ID: p.Name, Event: p.Event, ReceivedAt: time.Now(), Payload: p.Body}})
	}
	if _, err := s.Write(ctx, items); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name        string
		opts        store.TrainOptions
		wantAdopted bool
		wantStored  int
	}{
		{"forced", store.TrainOptions{Sample: 1000, Force: true}, true, 2},
		{"same payloads again", store.TrainOptions{Sample: 1000}, false, 2},
		{"dry run, forced", store.TrainOptions{Sample: 1000, Force: true, DryRun: true}, false, 2},
	}
	for _, c := range cases {
		info, err := s.Train(ctx, c.opts)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var stored int
		if err := s.Pool().QueryRow(ctx, "SELECT count(*) FROM payload_dictionaries").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if info.Adopted != c.wantAdopted || stored != c.wantStored || info.Kind != "raw" || len(info.Dict) != info.Bytes {
			t.Errorf("%s: %s dictionary %d adopted %v (held-out %.0f → %.0f bytes, %d of %d bytes returned), %d stored; want adopted %v, %d stored, raw",
				c.name, info.Kind, info.ID, info.Adopted, info.Before, info.After, len(info.Dict), info.Bytes, stored, c.wantAdopted, c.wantStored)
		}
	}
}

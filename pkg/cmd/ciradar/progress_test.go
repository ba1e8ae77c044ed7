package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/reconcile"
)

// Off a terminal, backfill progress is a log line every interval (and one at the end),
// with the share done and an ETA from the pace so far.
func TestBackfillProgressLines(t *testing.T) {
	var buf bytes.Buffer
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	p := &backfillProgress{log: slog.New(slog.NewJSONHandler(&buf, nil)), every: 30 * time.Second,
		now: func() time.Time { return now }, began: t0}
	day := 24 * time.Hour
	steps := []struct {
		at time.Duration
		pr reconcile.BackfillProgress
	}{
		{10 * time.Second, reconcile.BackfillProgress{Repo: "acme/api", RepoIndex: 1, Repos: 4, Covered: 15 * day, Total: 30 * day}},
		{20 * time.Second, reconcile.BackfillProgress{Repo: "acme/api", RepoIndex: 1, Repos: 4, Covered: 30 * day, Total: 30 * day}},
		{40 * time.Second, reconcile.BackfillProgress{Repo: "acme/web", RepoIndex: 2, Repos: 4, Covered: 0, Total: 30 * day}},
		{50 * time.Second, reconcile.BackfillProgress{Repo: "acme/web", RepoIndex: 2, Repos: 4, Covered: 30 * day, Total: 30 * day}},
		{80 * time.Second, reconcile.BackfillProgress{Repo: "acme/ops", RepoIndex: 4, Repos: 4, Covered: 30 * day, Total: 30 * day,
			Runs: 120, Jobs: 800, APIRequests: 57}},
	}
	for _, s := range steps {
		now = t0.Add(s.at)
		p.update(s.pr)
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		lines = append(lines, rec)
	}
	want := []struct {
		percent float64
		repo    string
		eta     time.Duration
	}{
		{12, "acme/api", 70 * time.Second}, // 1/8 done in 10 s: 70 s to go
		{25, "acme/web", 120 * time.Second},
		{100, "acme/ops", 0},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, w := range want {
		got := lines[i]
		if got["msg"] != "backfill progress" || got["percent"] != w.percent || got["repo"] != w.repo ||
			got["eta"] != float64(w.eta) {
			t.Errorf("line %d: %v, want %d%% %s eta %s", i, got, int(w.percent), w.repo, w.eta)
		}
	}
	if last := lines[2]; last["runs"] != 120.0 || last["jobs"] != 800.0 || last["api_requests"] != 57.0 {
		t.Errorf("the last line lacks the totals: %v", last)
	}
}

// On a terminal the bar is drawn with an ETA.
func TestBackfillProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := &backfillProgress{bar: newBar(&buf), w: &buf, now: time.Now, began: time.Now()}
	p.update(reconcile.BackfillProgress{Repo: "acme/api", RepoIndex: 1, Repos: 2, Covered: time.Hour, Total: 2 * time.Hour})
	time.Sleep(150 * time.Millisecond) // past the bar's redraw throttle
	p.update(reconcile.BackfillProgress{Repo: "acme/api", RepoIndex: 2, Repos: 2, Covered: time.Hour, Total: 2 * time.Hour})
	p.done(nil)
	out := buf.String()
	for _, want := range []string{"25%", "75%", "repo 2/2 acme/api", "100%"} {
		if !strings.Contains(out, want) {
			t.Errorf("bar lacks %q: %q", want, out)
		}
	}
	// [elapsed:remaining]
	if !regexp.MustCompile(`75% \|[^|]*\| +\[\d+s:\d+s\]`).MatchString(out) {
		t.Errorf("the bar shows no ETA: %q", out)
	}
}

package reconcile_test

import (
	"context"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/reconcile"
	"github.com/ciradar/ciradar/pkg/simulate"
)

// TestOneCycleRepairsTheStore: the world drops 5% of its deliveries, which its fake API
// lists as failed. After one reconcile cycle the store matches the ground truth exactly,
// every failed job has its error signature, and the runner inventory matches the world.
func TestOneCycleRepairsTheStore(t *testing.T) {
	e := newEnv(t, envOptions{repos: 6, hours: 30, noise: simulate.Noise{Drop: 0.05, Duplicate: 0.05, Reorder: 0.05}})
	truth := e.sim.Truth()
	if truth.Deliveries.Dropped < 20 {
		t.Fatalf("only %d deliveries dropped: the world is too small to test", truth.Deliveries.Dropped)
	}
	if reflect.DeepEqual(truth.Jobs, counts(t, e.store, jobsSQL)) {
		t.Fatal("the store already matches the truth before reconciling: the test proves nothing")
	}
	r, err := reconcile.New(reconcile.Config{Store: e.store, API: e.client, Hooks: e.hookList(), RunnerScopes: e.scopes(),
		Now: e.sim.Now, StuckAfter: 1000 * time.Hour, MaxRedeliveries: 10_000, MaxLogs: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Cycle(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cycle: %+v", st)
	if st.Redelivered != truth.Deliveries.Dropped {
		t.Errorf("redelivered %d, want the %d dropped", st.Redelivered, truth.Deliveries.Dropped)
	}
	checks := []struct {
		name      string
		want, got any
	}{
		{"jobs by status and conclusion", truth.Jobs, counts(t, e.store, jobsSQL)},
		{"run attempts by status and conclusion", truth.Runs, counts(t, e.store, runsSQL)},
		{"runs by trigger event", truth.RunsByEvent, counts(t, e.store, eventsSQL)},
		{"nightly failures", flatNightly(truth.NightlyFailures), counts(t, e.store, nightlySQL)},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.want, c.got) {
			t.Errorf("%s:\n truth %v\n store %v", c.name, c.want, c.got)
		}
	}
	checkSignatures(t, e, truth)

	var want int
	for _, o := range e.sim.World().Orgs {
		rs, _ := e.sim.Source().Runners(o.Name)
		want += len(rs)
	}
	got := counts(t, e.store, `SELECT 'n', count(*) FROM runners WHERE removed_at IS NULL`)["n"]
	samples := counts(t, e.store, `SELECT 'n', count(*) FROM runner_samples`)["n"]
	if want == 0 || got != want || samples != want {
		t.Errorf("runners: %d in the inventory and %d samples, want %d", got, samples, want)
	}

	// A second cycle finds nothing left to do.
	st2, err := r.Cycle(context.Background())
	if err != nil || st2.Redelivered != 0 || st2.LogsScanned != 0 {
		t.Errorf("second cycle: %+v, %v; want nothing redelivered or scanned again", st2, err)
	}
}

// modes classify stored signatures by the failure mode that wrote the log.
var modes = []struct {
	name   string
	re     *regexp.Regexp
	single bool // the mode's line has no per-job word, so all its jobs share one signature
}{
	{"flaky-test", regexp.MustCompile(`^--- FAIL: Test\w+Concurrent `), false},
	{"test-failure", regexp.MustCompile(`^--- FAIL: Test\w+ `), false},
	{"compile-error", regexp.MustCompile(`undefined: \w+$`), false},
	{"timeout", regexp.MustCompile(`exceeded the maximum execution time`), true},
	{"oom-killed", regexp.MustCompile(`out of memory`), true},
	{"network", regexp.MustCompile(`^dial tcp <ip>:<n>: i/o timeout$`), true},
	{"tls-cert-expired", regexp.MustCompile(`^x509: certificate has expired or is not yet valid: current time <time> is after <time>$`), true},
}

// checkSignatures holds error signatures to the truth: each failure mode's jobs all have a
// signature of that mode, modes never share one, and a mode without per-job words has
// exactly one signature, first seen when the truth says.
func checkSignatures(t *testing.T, e *env, truth simulate.Truth) {
	t.Helper()
	jobs, sigs, first := map[string]int{}, map[string]int{}, map[string]time.Time{}
	for _, row := range pgtest.Rows(t, e.store, `SELECT text, count, first_seen FROM error_signatures`) {
		text, n, fs := row[0].(string), int(row[1].(int64)), row[2].(time.Time)
		mode := ""
		for _, m := range modes {
			if m.re.MatchString(text) {
				mode = m.name
				break
			}
		}
		if mode == "" {
			t.Errorf("signature %q matches no failure mode", text)
			continue
		}
		jobs[mode] += n
		sigs[mode]++
		if f, ok := first[mode]; !ok || fs.Before(f) {
			first[mode] = fs
		}
	}
	if len(truth.ErrorSignatures) < 4 {
		t.Fatalf("the world shows only %d failure modes", len(truth.ErrorSignatures))
	}
	for _, s := range truth.ErrorSignatures {
		if jobs[s.Name] != s.Jobs {
			t.Errorf("%s: %d jobs with its signature, want %d", s.Name, jobs[s.Name], s.Jobs)
		}
		if !first[s.Name].Equal(s.FirstSeen) {
			t.Errorf("%s: first seen %v, want %v", s.Name, first[s.Name], s.FirstSeen)
		}
		for _, m := range modes {
			if m.name == s.Name && m.single && sigs[s.Name] != 1 {
				t.Errorf("%s: %d signatures, want 1", s.Name, sigs[s.Name])
			}
		}
	}
}

package reconcile_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/reconcile"
	"github.com/ciradar/ciradar/pkg/store"
)

// TestOneLeader runs two reconcilers, each with its own connection pool, on one database:
// only the first works while it lives; when its session dies (a crash: the backend is
// terminated and the process stops), the second takes over. No two cycles ever overlap.
func TestOneLeader(t *testing.T) {
	e := newEnv(t, envOptions{repos: 2, hours: 3})
	url := e.store.Pool().Config().ConnString()
	var active, overlaps atomic.Int32
	type instance struct {
		cycles atomic.Int32
		cancel context.CancelFunc
		done   chan struct{}
	}
	startOne := func() *instance {
		st, err := store.Open(context.Background(), url, store.Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close)
		in := &instance{done: make(chan struct{})}
		r, err := reconcile.New(reconcile.Config{Store: st, API: e.client, Hooks: e.hookList(), RunnerScopes: e.scopes(),
			Now: e.sim.Now, Interval: 40 * time.Millisecond, OnCycle: func(start bool) {
				if start {
					if active.Add(1) > 1 {
						overlaps.Add(1)
					}
					in.cycles.Add(1)
					return
				}
				active.Add(-1)
			}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		in.cancel = cancel
		go func() { defer close(in.done); r.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-in.done })
		return in
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	a := startOne()
	waitFor("the first reconciler to lead", func() bool { return a.cycles.Load() >= 2 })
	b := startOne()
	aBefore := a.cycles.Load()
	time.Sleep(400 * time.Millisecond)
	if b.cycles.Load() != 0 || a.cycles.Load() <= aBefore {
		t.Fatalf("while the first lives: first ran %d more cycles, second %d; want only the first",
			a.cycles.Load()-aBefore, b.cycles.Load())
	}

	// Crash the leader: its lock session dies under it, and it never comes back.
	var killed int
	err := e.store.Pool().QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND objid = $1::bigint::oid AND granted`, reconcile.LockKey).Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("terminate the leader's session: %d killed, %v", killed, err)
	}
	a.cancel()
	<-a.done
	waitFor("the second reconciler to take over", func() bool { return b.cycles.Load() >= 2 })
	if overlaps.Load() != 0 {
		t.Errorf("%d cycles overlapped", overlaps.Load())
	}
}

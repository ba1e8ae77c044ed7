package main

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
)

// SIGTERM under load: the receiver stops accepting, commits what is in flight, exits 0,
// and every acknowledged delivery is stored.
func TestSIGTERMDrainsAndExitsZero(t *testing.T) {
	db := pgtest.NewDatabase(t)
	r := startReceiver(t, freeAddr(t), "CIRADAR_DATABASE_URL="+db, "CIRADAR_WEBHOOK_SECRET="+testSecret)
	ack := &acked{ids: map[string]loadgen.Delivery{}}
	done := make(chan struct{})
	go func() {
		loadgen.Run(context.Background(), loadgen.Config{URL: r.url(), Concurrency: 32, Duration: time.Minute,
			Jobs: prepare(t, "term", 1000), OnAnswer: ack.record})
		close(done)
	}()
	for ack.n.Load() < 500 {
		time.Sleep(5 * time.Millisecond)
	}
	r.signal(syscall.SIGTERM)
	if code := r.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM\n%s", code, r.logs)
	}
	<-done
	s, err := store.Open(context.Background(), db, store.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkStored(t, s, ack)
	if !strings.Contains(r.logs.String(), "receiver stopped cleanly") {
		t.Fatalf("no clean-stop log line:\n%s", r.logs)
	}
}

// Bad configuration: one run reports every problem, exits 2, and never echoes a secret.
func TestConfigErrorsListEveryProblem(t *testing.T) {
	cmd := exec.Command(binary, "serve", "-writers", "0", "-commit-timeout", "-1s")
	cmd.Env = []string{"CIRADAR_DB_MAX_CONNS=lots", "CIRADAR_LOG_LEVEL=loud", "PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit %v, want 2\n%s", err, out)
	}
	for _, want := range []string{"CIRADAR_DB_MAX_CONNS", "-database-url", "webhook secret is required", "-writers", "-commit-timeout", "-log-level"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("error output lacks %q:\n%s", want, out)
		}
	}
	// A secret passed on the command line is not printed back by usage or errors.
	cmd = exec.Command(binary, "serve", "-webhook-secret", testSecret, "-database-url", "postgres://u:"+testPassword+"@h/db", "-bogus")
	out, _ = cmd.CombinedOutput()
	if strings.Contains(string(out), testSecret) || strings.Contains(string(out), testPassword) {
		t.Fatalf("a secret was echoed:\n%s", out)
	}
}

package main

import (
	"context"
	"errors"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
)

// A simulator whose secret the receiver does not know stops at the first 401 with an error
// that says so, instead of sending days of history into certain failure.
func TestSimulateStopsWhenTheReceiverRejectsItsSignature(t *testing.T) {
	db := pgtest.NewDatabase(t)
	r := startReceiver(t, freeAddr(t), "CIRADAR_DATABASE_URL="+db, "CIRADAR_WEBHOOK_SECRET="+testSecret)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Three days of history are thousands of deliveries.
	cmd := exec.CommandContext(ctx, binary, "simulate", "-url", r.url(), "-webhook-secret", "not-the-receivers-secret",
		"-since", "72h", "-speed", "0", "-log-format", "json")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1\n%s", err, out)
	}
	for _, want := range []string{"answered 401 Unauthorized", "-webhook-secret (CIRADAR_WEBHOOK_SECRET)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	sent := regexp.MustCompile(`stopped after (\d+) deliveries`).FindStringSubmatch(string(out))
	if sent == nil {
		t.Fatalf("no count of deliveries sent:\n%s", out)
	}
	// At most what was in flight when the first 401 came back (8 at a time), give or take.
	if n, _ := strconv.Atoi(sent[1]); n < 1 || n > 64 {
		t.Errorf("sent %d deliveries before stopping, want the first few only", n)
	}
	if strings.Contains(string(out), "not-the-receivers-secret") {
		t.Error("the secret was printed")
	}
}

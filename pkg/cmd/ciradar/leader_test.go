package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
)

// Two `ciradar reconcile` processes on one database: only the first works while it lives;
// killed with SIGKILL, its session and lock die with it, and the second takes over.
func TestReconcilerLeaderAcrossProcesses(t *testing.T) {
	db := pgtest.NewDatabase(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("[]"))
	}))
	defer api.Close()
	start := func(name string) (*exec.Cmd, *syncBuffer) {
		logs := &syncBuffer{}
		cmd := exec.Command(binary, "reconcile", "-reconcile-interval", "1s", "-github-url", api.URL+"/")
		cmd.Env = append(os.Environ(), "CIRADAR_DATABASE_URL="+db, "CIRADAR_GITHUB_TOKEN=leader-test-token")
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd, logs
	}
	cycles := func(logs *syncBuffer) int { return strings.Count(logs.String(), `"msg":"reconcile cycle"`) }
	waitCycles := func(name string, logs *syncBuffer, n int) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); cycles(logs) < n; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s ran %d cycles, want %d:\n%s", name, cycles(logs), n, logs)
			}
		}
	}

	first, firstLogs := start("first")
	waitCycles("first", firstLogs, 2)
	_, secondLogs := start("second")
	// The second is up and trying for the lock while the first keeps working.
	time.Sleep(3 * time.Second)
	waitCycles("first", firstLogs, 4)
	if n := cycles(secondLogs); n != 0 {
		t.Fatalf("second ran %d cycles while the first held the lock:\n%s", n, secondLogs)
	}
	if !strings.Contains(secondLogs.String(), "waiting for the leader lock") {
		t.Fatalf("second did not start:\n%s", secondLogs)
	}

	first.Process.Signal(syscall.SIGKILL)
	first.Wait()
	waitCycles("second", secondLogs, 2)
	if strings.Contains(firstLogs.String()+secondLogs.String(), "leader-test-token") {
		t.Fatal("the GitHub token appeared in the logs")
	}
}

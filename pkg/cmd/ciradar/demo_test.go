package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestDemo runs `ciradar demo` for a few seconds: the receiver answers, simulated
// deliveries reach the store, the read-only role logs in with the password the demo gave it
// (and not without), and Ctrl-C stops everything and deletes the database.
func TestDemo(t *testing.T) {
	listen, api := freeAddr(t), freeAddr(t)
	out := &syncBuffer{}
	cmd := exec.Command(binary, "demo", "-demo-listen", listen, "-demo-api-addr", api, "-demo-history", "6h",
		"-log-format", "text", "-log-level", "warn")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-done
		}
	})

	socketDir, pwFile := "", ""
	waitFor(t, 90*time.Second, "the demo's instructions", func() bool {
		socketDir = submatch(out.String(), `export CIRADAR_PG_HOST=(\S+)`)
		pwFile = submatch(out.String(), `CIRADAR_READER_PASSWORD="\$\(cat (\S+)\)"`)
		return socketDir != "" && pwFile != ""
	})
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get("http://" + listen + path)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %v %v\n%s", path, err, res, out)
		}
		res.Body.Close()
	}
	password, err := os.ReadFile(pwFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), string(password)) {
		t.Error("the demo printed the reader password")
	}
	reader := func(pw string) (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, fmt.Sprintf("host=%s port=5432 dbname=ciradar user=ciradar_reader password='%s' sslmode=disable", socketDir, pw))
		if err != nil {
			return 0, err
		}
		defer conn.Close(context.Background())
		var n int
		err = conn.QueryRow(ctx, "SELECT count(*) FROM deliveries").Scan(&n)
		return n, err
	}
	waitFor(t, 60*time.Second, "deliveries in the store, read as ciradar_reader", func() bool {
		n, err := reader(string(password))
		return err == nil && n > 0
	})
	if _, err := reader("wrong-password"); err == nil {
		t.Error("ciradar_reader logged in with a wrong password")
	}

	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo exited with %v\n%s", err, out)
		}
	case <-time.After(45 * time.Second):
		t.Fatalf("demo did not stop after SIGINT\n%s", out)
	}
	if _, err := os.Stat(socketDir); !os.IsNotExist(err) {
		t.Errorf("the demo's Postgres directory %s is still there", socketDir)
	}
}

func submatch(s, re string) string {
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if len(m) < 2 {
		return ""
	}
	return m[1]
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s", what, limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

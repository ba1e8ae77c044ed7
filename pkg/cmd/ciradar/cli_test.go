package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// runCLI runs the command line in-process with a clean CIRADAR_* environment.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	for _, env := range []string{"CIRADAR_DATABASE_URL", "CIRADAR_WEBHOOK_SECRET", "CIRADAR_LISTEN", "CIRADAR_LOG_FORMAT"} {
		t.Setenv(env, "")
	}
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// A flag error prints the problems and a hint to -h, never the usage; every problem of
// one run is listed; an unknown flag is reported alone, without the consequences of a
// half-parsed command line.
func TestFlagErrors(t *testing.T) {
	db := "-database-url=postgres://u@h/db"
	cases := []struct {
		name string
		args []string
		want []string // each must be in stderr
		not  []string // none may be
	}{
		{name: "listen is not an address", args: []string{"serve", db, "-webhook-secret=s", "-listen", "nonsense"},
			want: []string{`-listen "nonsense": want HOST:PORT`}},
		{name: "listen port out of range", args: []string{"serve", db, "-webhook-secret=s", "-listen", ":99999"},
			want: []string{`-listen ":99999": the port must be a number`}},
		{name: "debug listener host", args: []string{"serve", db, "-webhook-secret=s", "-debug-listen", "no such host:6060"},
			want: []string{`"no such host" is neither an IP address nor a host name`}},
		{name: "GitHub URL scheme", args: []string{"serve", db, "-webhook-secret=s", "-github-url", "ftp://ghe.example.com/"},
			want: []string{`-github-url "ftp://ghe.example.com/": want an http:// or https:// URL`}},
		{name: "GitHub URL without host", args: []string{"reconcile", db, "-github-token=t", "-github-url", "https:///api/v3/"},
			want: []string{"the URL names no host"}},
		{name: "simulate URL", args: []string{"simulate", "-webhook-secret=s", "-url", "receiver:8080/webhook"},
			want: []string{`-url "receiver:8080/webhook"`}},
		{name: "simulate API address", args: []string{"simulate", "-webhook-secret=s", "-api-addr", "8081"},
			want: []string{`-api-addr "8081": want HOST:PORT`}},
		{name: "loadgen URL port", args: []string{"loadgen", "-webhook-secret=s", "-url", "http://h:port/webhook"},
			want: []string{`-url "http://h:port/webhook"`}},
		{name: "demo listen", args: []string{"demo", "-demo-listen", "localhost"},
			want: []string{`-demo-listen "localhost": want HOST:PORT`}},
		{name: "negative duration", args: []string{"serve", db, "-webhook-secret=s", "-retention", "-1h"},
			want: []string{"-retention -1h0m0s: must not be negative"}},
		{name: "database URL, not echoed", args: []string{"serve", "-database-url", "postgres://u:hunter2@h:port/db", "-webhook-secret=s"},
			want: []string{"-database-url: not a Postgres URL"}, not: []string{"hunter2"}},
		{name: "every problem at once", args: []string{"serve", "-listen", "x", "-retention", "-1s", "-writers", "0"},
			want: []string{"-database-url or CIRADAR_DATABASE_URL is required", `-listen "x"`, "-retention -1s", "-writers must be", "webhook secret is required"}},
		{name: "unknown flag alone", args: []string{"serve", "-bogus"},
			want: []string{"flag provided but not defined: -bogus"}, not: []string{"webhook secret", "-database-url"}},
		{name: "bad value alone", args: []string{"serve", "-writers", "many"},
			want: []string{`invalid value "many" for flag -writers`}, not: []string{"webhook secret"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, c.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2\n%s", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout is not empty:\n%s", stdout)
			}
			hint := "Run 'ciradar " + c.args[0] + " -h' for its flags."
			if !strings.HasSuffix(strings.TrimSpace(stderr), hint) {
				t.Errorf("stderr does not end with the hint %q:\n%s", hint, stderr)
			}
			if strings.Contains(stderr, "Usage:") || strings.Count(stderr, "\n") > 8 {
				t.Errorf("stderr holds the usage or too much:\n%s", stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			for _, n := range c.not {
				if strings.Contains(stderr, n) {
					t.Errorf("stderr holds %q:\n%s", n, stderr)
				}
			}
		})
	}
}

func TestCheckAddrAndURL(t *testing.T) {
	cases := []struct {
		name  string
		check func(string, string) error
		value string
		ok    bool
	}{
		{"any interface", checkAddr, ":8080", true},
		{"loopback", checkAddr, "127.0.0.1:8080", true},
		{"IPv6", checkAddr, "[::1]:8080", true},
		{"container name", checkAddr, "simulator_1:8081", true},
		{"any port", checkAddr, "127.0.0.1:0", true},
		{"no port", checkAddr, "nonsense", false},
		{"port name", checkAddr, ":http", false},
		{"port too big", checkAddr, ":65536", false},
		{"space in host", checkAddr, "my host:80", false},
		{"https", checkURL, "https://api.github.com/", true},
		{"http with port", checkURL, "http://simulator:8081/api/v3/", true},
		{"no scheme", checkURL, "api.github.com", false},
		{"other scheme", checkURL, "ftp://example.com/", false},
		{"no host", checkURL, "http:///webhook", false},
		{"port only", checkURL, "http://:8080/webhook", false},
		{"bad port", checkURL, "http://h:x/", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.check("flag", c.value)
			if (err == nil) != c.ok {
				t.Fatalf("%q: error %v, want ok=%v", c.value, err, c.ok)
			}
		})
	}
}

// -h prints the command's usage and exits 0.
func TestHelp(t *testing.T) {
	code, stdout, stderr := runCLI(t, "serve", "-h")
	if code != 0 || !strings.Contains(stdout+stderr, "Usage: ciradar serve [flags]") || !strings.Contains(stdout+stderr, "-listen") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// version prints the version, commit and Go version; a build stamped with -ldflags -X
// prints the stamp.
func TestVersion(t *testing.T) {
	line := regexp.MustCompile(`^ciradar \S+ \(commit \S+, go1\.\d+`)
	for _, arg := range []string{"version", "--version", "-version"} {
		t.Run(arg, func(t *testing.T) {
			code, stdout, _ := runCLI(t, arg)
			if code != 0 || !line.MatchString(stdout) {
				t.Fatalf("exit %d, output %q", code, stdout)
			}
		})
	}
	t.Run("stamped", func(t *testing.T) {
		bin := filepath.Join(t.TempDir(), "ciradar")
		pkg := "github.com/ciradar/ciradar/pkg/version"
		build := exec.Command("go", "build", "-ldflags", "-X "+pkg+".Version=9.8.7 -X "+pkg+".Commit=cafe0123", "-o", bin, ".")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
		out, err := exec.Command(bin, "--version").Output()
		if err != nil || !strings.HasPrefix(string(out), "ciradar 9.8.7 (commit cafe0123") {
			t.Fatalf("%v: %q", err, out)
		}
	})
}

// Logs are text with readable durations on a terminal and JSON elsewhere, unless chosen.
func TestLogFormat(t *testing.T) {
	cases := []struct {
		name, format string
		terminal     bool
		wantJSON     bool
	}{
		{"auto on a terminal", "auto", true, false},
		{"auto in a pipe", "auto", false, true},
		{"text in a pipe", "text", false, false},
		{"json on a terminal", "json", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			l := &logFlags{level: "info", format: c.format}
			l.loggerTo(&b, c.terminal).Info("reconcile cycle", "took", 1500*time.Millisecond)
			var rec map[string]any
			isJSON := json.Unmarshal(b.Bytes(), &rec) == nil
			if isJSON != c.wantJSON {
				t.Fatalf("JSON %v, want %v: %s", isJSON, c.wantJSON, b.String())
			}
			if isJSON && rec["took"] != float64(1500*time.Millisecond) {
				t.Errorf("JSON took = %v, want nanoseconds", rec["took"])
			}
			if !isJSON && !strings.Contains(b.String(), "took=1.5s") {
				t.Errorf("text lacks took=1.5s: %s", b.String())
			}
		})
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestDemo runs `ciradar demo` for a few seconds: the receiver answers, simulated
// deliveries reach the store, the env file holds working credentials (the fake API takes
// its token, the read-only role logs in with its password, and not with another) that are
// never printed, the missing plugin build is named with the command that makes it, the
// reconciler finds the fake API from its first cycle, and Ctrl-C stops everything and
// deletes the database.
func TestDemo(t *testing.T) {
	listen, api, gitlabAPI := freeAddr(t), freeAddr(t), freeAddr(t)
	out := &syncBuffer{}
	// -demo-repo is this package's directory, which has no dist/.
	// A day of history: both organisations have jobs in it whatever the hour the test runs.
	cmd := exec.Command(binary, "demo", "-demo-listen", listen, "-demo-api-addr", api, "-demo-gitlab-api-addr", gitlabAPI, "-demo-history", "24h",
		"-log-format", "text", "-log-level", "info")
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

	socketDir, envFile := "", ""
	waitFor(t, 90*time.Second, "the demo's instructions", func() bool {
		socketDir = submatch(out.String(), `unix socket in (\S+),`)
		envFile = submatch(out.String(), `credentials +(\S+demo\.env)`)
		return socketDir != "" && envFile != ""
	})
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get("http://" + listen + path)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %v %v\n%s", path, err, res, out)
		}
		res.Body.Close()
	}
	fi, err := os.Stat(envFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the env file's mode is %v, want 0600", fi.Mode().Perm())
	}
	env := sourceEnv(t, envFile, "CIRADAR_WEBHOOK_SECRET", "CIRADAR_DEMO_API_URL", "CIRADAR_DEMO_API_TOKEN",
		"CIRADAR_READER_PASSWORD", "CIRADAR_DEMO_DATABASE_URL", "CIRADAR_DEMO_PSQL", "CIRADAR_PG_HOST",
		"CIRADAR_GITLAB_WEBHOOK_SECRET", "CIRADAR_DEMO_GITLAB_API_URL", "CIRADAR_DEMO_GITLAB_API_TOKEN", "CIRADAR_DEMO_GITLAB_RECEIVER_URL")
	if env["CIRADAR_PG_HOST"] != socketDir {
		t.Errorf("CIRADAR_PG_HOST is %q, the socket directory printed is %q", env["CIRADAR_PG_HOST"], socketDir)
	}
	if want := "psql '" + env["CIRADAR_DEMO_DATABASE_URL"] + "'"; env["CIRADAR_DEMO_PSQL"] != want {
		t.Errorf("CIRADAR_DEMO_PSQL is %q, want %q", env["CIRADAR_DEMO_PSQL"], want)
	}

	// Each fake API, which its reconciler reads, takes the env file's token and no other.
	apis := []struct{ name, url, header, prefix, token string }{
		{"GitHub", env["CIRADAR_DEMO_API_URL"] + "orgs/acme/actions/runners", "Authorization", "Bearer ", env["CIRADAR_DEMO_API_TOKEN"]},
		{"GitLab", env["CIRADAR_DEMO_GITLAB_API_URL"] + "groups/acme-platform/projects", "PRIVATE-TOKEN", "", env["CIRADAR_DEMO_GITLAB_API_TOKEN"]},
	}
	for _, api := range apis {
		status := func(token string) int {
			req, _ := http.NewRequest(http.MethodGet, api.url, nil)
			req.Header.Set(api.header, api.prefix+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("fake %s API: %v", api.name, err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		if code := status(api.token); code != http.StatusOK {
			t.Errorf("the fake %s API answered %d to the env file's token, want 200", api.name, code)
		}
		if code := status("not-the-token"); code != http.StatusUnauthorized {
			t.Errorf("the fake %s API answered %d to a wrong token, want 401", api.name, code)
		}
	}

	reader := func(connString string) (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, connString)
		if err != nil {
			return 0, err
		}
		defer conn.Close(context.Background())
		var n int
		err = conn.QueryRow(ctx, "SELECT count(*) FROM deliveries").Scan(&n)
		return n, err
	}
	waitFor(t, 60*time.Second, "deliveries in the store, read as ciradar_reader", func() bool {
		n, err := reader(env["CIRADAR_DEMO_DATABASE_URL"])
		return err == nil && n > 0
	})
	// Both forges: the mixed world's GitLab group sends its hooks to /webhook/gitlab.
	waitFor(t, 60*time.Second, "jobs of both forges, read as ciradar_reader", func() bool {
		return forges(env["CIRADAR_DEMO_DATABASE_URL"]) == 2
	})
	wrong := strings.Replace(env["CIRADAR_DEMO_DATABASE_URL"], url.UserPassword("ciradar_reader", env["CIRADAR_READER_PASSWORD"]).String(),
		"ciradar_reader:wrong-password", 1)
	if _, err := reader(wrong); err == nil {
		t.Error("ciradar_reader logged in with a wrong password")
	}

	// Half the history's errors have an issue in the fake API's tracker, which its search
	// finds by the words every such issue carries.
	waitFor(t, 60*time.Second, "issues filed for the history's errors", func() bool {
		return strings.Contains(out.String(), "filed issues for the history's errors")
	})
	filed := submatch(out.String(), `filed issues for the history's errors.* issues=(\d+)`)
	req, _ := http.NewRequest(http.MethodGet, env["CIRADAR_DEMO_API_URL"]+"search/issues?per_page=1&q="+
		url.QueryEscape(`"CI Radar" in:body type:issue org:acme org:acme-platform`), nil)
	req.Header.Set("Authorization", "Bearer "+env["CIRADAR_DEMO_API_TOKEN"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var found struct {
		Total int `json:"total_count"`
	}
	err = json.NewDecoder(res.Body).Decode(&found)
	res.Body.Close()
	t.Logf("%s issues filed for the history's errors", filed)
	if err != nil || res.StatusCode != http.StatusOK || fmt.Sprint(found.Total) != filed {
		t.Errorf("issue search: %d, %d found (%v), want the %s issues the log says were filed", res.StatusCode, found.Total, err, filed)
	}

	// The first reconcile cycle ran against the fake API already listening, and its
	// duration is logged as a duration.
	waitFor(t, 30*time.Second, "a reconcile cycle", func() bool { return strings.Contains(out.String(), "reconcile cycle") })
	if strings.Contains(out.String(), "connection refused") {
		t.Errorf("something was reached before it listened:\n%s", out)
	}
	if !regexp.MustCompile(`msg="reconcile cycle".* gitlab_api_requests=[1-9]`).MatchString(out.String()) {
		t.Errorf("the reconcile cycle did not read the fake GitLab API:\n%s", out)
	}
	if !regexp.MustCompile(`msg="reconcile cycle".* took=[0-9.]+(µs|ms|s)\b`).MatchString(out.String()) {
		t.Errorf("the reconcile cycle's duration is not written as a duration:\n%s", out)
	}
	exe := fmt.Sprintf("dist/gpx_ciradar_%s_%s", runtime.GOOS, runtime.GOARCH)
	for _, want := range []string{exe, "npm ci && npm run build && go tool mage plugin"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the demo does not warn about the missing build with %q:\n%s", want, out)
		}
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
	for _, name := range []string{"CIRADAR_WEBHOOK_SECRET", "CIRADAR_DEMO_API_TOKEN", "CIRADAR_READER_PASSWORD",
		"CIRADAR_GITLAB_WEBHOOK_SECRET", "CIRADAR_DEMO_GITLAB_API_TOKEN"} {
		if strings.Contains(out.String(), env[name]) {
			t.Errorf("the demo printed %s", name)
		}
	}
	for _, path := range []string{socketDir, envFile} {
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s is still there after the demo stopped", path)
		}
	}
}

// sourceEnv loads a shell env file the way a user does (`. file` in sh) and returns the
// named variables, each of which must be set.
func sourceEnv(t *testing.T, path string, names ...string) map[string]string {
	t.Helper()
	// The file exports every variable, so printenv sees them; each value ends in a newline.
	script := `. "$1"; shift; for n in "$@"; do printenv "$n" || echo; done`
	b, err := exec.Command("sh", append([]string{"-c", script, "sh", path}, names...)...).Output()
	if err != nil {
		t.Fatalf("source %s: %v", path, err)
	}
	values := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(values) != len(names) {
		t.Fatalf("source %s: %d values for %d names", path, len(values), len(names))
	}
	env := map[string]string{}
	for i, n := range names {
		if values[i] == "" {
			t.Errorf("%s sets no %s", path, n)
		}
		env[n] = values[i]
	}
	return env
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

package main

import (
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/gitlabapi"
	"github.com/ciradar/ciradar/pkg/pgtest"
)

// The simulator's GitLab flags are checked at start, with every problem at once, and no
// token is echoed.
func TestSimulateGitLabFlagErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown forge", []string{"simulate", "-webhook-secret=s", "-forge", "bitbucket"}, []string{`-forge "bitbucket": want github, gitlab or mixed`}},
		{"GitLab hooks need their token", []string{"simulate", "-webhook-secret=s", "-forge", "mixed"},
			[]string{"-forge mixed sends GitLab hooks: -gitlab-webhook-secret or CIRADAR_GITLAB_WEBHOOK_SECRET is required"}},
		{"an empty token in the list", []string{"simulate", "-webhook-secret=s", "-forge", "gitlab", "-gitlab-webhook-secret", "tok-1,"},
			[]string{"-gitlab-webhook-secret holds an empty entry"}},
		{"fake GitLab API address", []string{"simulate", "-webhook-secret=s", "-gitlab-api-addr", "8082"}, []string{`-gitlab-api-addr "8082": want HOST:PORT`}},
		{"instance URL", []string{"simulate", "-webhook-secret=s", "-gitlab-instance-url", "gitlab.example.com"}, []string{`-gitlab-instance-url "gitlab.example.com"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, c.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2\n%s", code, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "tok-1") {
				t.Error("the token was echoed")
			}
		})
	}
}

// `ciradar simulate -forge mixed` against the real receiver: GitHub's organisation lands
// through /webhook, GitLab's group through /webhook/gitlab, every delivery is accepted, and
// the GitLab token never reaches the output.
func TestSimulateMixedWorld(t *testing.T) {
	db := pgtest.NewDatabase(t)
	const glToken = "sim-gitlab-token"
	r := startReceiver(t, freeAddr(t), "CIRADAR_DATABASE_URL="+db, "CIRADAR_WEBHOOK_SECRET="+testSecret,
		"CIRADAR_GITLAB_WEBHOOK_SECRET="+glToken)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "simulate", "-url", r.url(), "-webhook-secret", testSecret, "-forge", "mixed",
		"-since", "24h", "-speed", "0", "-log-format", "json") // a day: both organisations busy whatever the hour
	cmd.Env = append(cmd.Environ(), "CIRADAR_GITLAB_WEBHOOK_SECRET="+glToken)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"failed":0`) || strings.Contains(string(out), glToken) {
		t.Fatalf("want every delivery accepted and no token in the output:\n%s", out)
	}
	cases := []struct {
		name, sql string
	}{
		{"GitHub's jobs", `SELECT count(*) FROM workflow_jobs WHERE forge = 'github' AND org = 'acme'`},
		{"GitLab's jobs", `SELECT count(*) FROM workflow_jobs WHERE forge = 'gitlab' AND org = 'acme-platform' AND repo LIKE 'acme-platform/%'`},
		{"GitLab's pipelines", `SELECT count(*) FROM workflow_runs WHERE forge = 'gitlab' AND forge_url = 'https://gitlab.example.com'`},
		{"GitLab's deliveries", `SELECT count(*) FROM deliveries WHERE forge = 'gitlab' AND event IN ('Job Hook', 'Pipeline Hook')`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var n int
			if err := queryRow(t, db, c.sql, &n); err != nil || n == 0 {
				t.Fatalf("%d rows, %v; want some", n, err)
			}
		})
	}
	var wrong int
	if err := queryRow(t, db, `SELECT count(*) FROM workflow_jobs WHERE (forge = 'gitlab') <> (org = 'acme-platform')`, &wrong); err != nil || wrong != 0 {
		t.Fatalf("%d jobs on the wrong forge, %v", wrong, err)
	}
}

// What the demo hands its reconciler: the fake GitLab API's own URL (a listener on port 0
// included), its token and the world's GitLab groups; nothing for a GitHub world.
func TestSimulationGitLabReconciler(t *testing.T) {
	cases := []struct {
		name, forge string
		groups      []string // nil: no GitLab reconciler
	}{
		{"mixed world", "mixed", []string{"acme-platform"}},
		{"GitLab world", "gitlab", []string{"acme", "acme-platform"}},
		{"GitHub world", "github", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &simulateFlags{url: "http://127.0.0.1:1/webhook", secret: "s", seed: 1, speedS: "0", since: time.Hour,
				concurrency: 1, dupS: "0", reorderS: "0", dropS: "0", logs: &logFlags{},
				gitlab: simGitLabFlags{forge: c.forge, secret: "hook-token", apiAddr: "127.0.0.1:0", apiToken: "glpat-x"}}
			if err := f.check(); err != nil {
				t.Fatal(err)
			}
			s, err := newSimulation(f, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer s.close()
			g := s.gitlabReconciler()
			if c.groups == nil {
				if g != nil {
					t.Fatalf("a GitHub world got a GitLab reconciler: %+v", g)
				}
				return
			}
			if g == nil || g.token != "glpat-x" || g.groups != strings.Join(c.groups, ",") || !strings.HasPrefix(g.url, "http://127.0.0.1:") ||
				strings.HasSuffix(g.url, ":0") {
				t.Fatalf("reconciler %+v", g)
			}
			client, err := gitlabapi.New(g.url, g.token, nil)
			if err != nil {
				t.Fatal(err)
			}
			paths, err := client.GroupProjects(context.Background(), c.groups[0])
			if err != nil || len(paths) == 0 || !strings.HasPrefix(paths[0], c.groups[0]+"/") {
				t.Fatalf("projects of %s through the fake API: %v, %v", c.groups[0], paths, err)
			}
		})
	}
}

// A simulator whose GitLab hooks the receiver refuses stops at the first refusal and says
// why: a token it was not given (401), or no GitLab endpoint at all (404).
func TestSimulateStopsWhenGitLabHooksAreRefused(t *testing.T) {
	db := pgtest.NewDatabase(t)
	cases := []struct {
		name, receiverToken, want string
	}{
		{"wrong token", "the-receivers-token", "GitLab endpoint answered 401 Unauthorized"},
		{"no GitLab endpoint", "", "has no GitLab endpoint (404)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := []string{"CIRADAR_DATABASE_URL=" + db, "CIRADAR_WEBHOOK_SECRET=" + testSecret}
			if c.receiverToken != "" {
				env = append(env, "CIRADAR_GITLAB_WEBHOOK_SECRET="+c.receiverToken)
			}
			r := startReceiver(t, freeAddr(t), env...)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, binary, "simulate", "-url", r.url(), "-webhook-secret", testSecret,
				"-forge", "gitlab", "-gitlab-webhook-secret", "not-the-receivers-token", "-since", "72h", "-speed", "0").CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), c.want) ||
				!strings.Contains(string(out), "stopped after") {
				t.Fatalf("exit %v, want 1 saying %q\n%s", err, c.want, out)
			}
			if strings.Contains(string(out), "not-the-receivers-token") {
				t.Error("the token was printed")
			}
		})
	}
}

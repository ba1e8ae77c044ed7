package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/jackc/pgx/v5"
)

const glTokenA, glTokenB = "gitlab-token-rotating-out", "gitlab-token-rotating-in"

// post sends one delivery to path and returns the status (0 when no answer came).
func post(t *testing.T, url string, headers map[string]string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The GitLab endpoint of the real binary: both rotated tokens work, anything else is 401
// with nothing stored, hostile bodies get their 4xx, duplicates count once, the GitHub
// endpoint and its alias keep working beside it, and no token reaches the logs.
func TestGitLabAgainstTheBinary(t *testing.T) {
	db := pgtest.NewDatabase(t)
	r := startReceiver(t, freeAddr(t), "CIRADAR_DATABASE_URL="+db, "CIRADAR_WEBHOOK_SECRET="+testSecret,
		"CIRADAR_GITLAB_WEBHOOK_SECRET="+glTokenA+","+glTokenB)
	gl := "http://" + r.addr + "/webhook/gitlab"
	hook := func(event, uuid, token string) map[string]string {
		h := map[string]string{"X-Gitlab-Event": event, "X-Gitlab-Event-UUID": uuid, "Content-Type": "application/json"}
		if token != "" {
			h["X-Gitlab-Token"] = token
		}
		return h
	}
	ghBody := fixtures.Get("workflow_job.queued.1")
	signed := func(id string) map[string]string {
		return map[string]string{"X-GitHub-Event": "workflow_job", "X-GitHub-Delivery": id,
			"X-Hub-Signature-256": loadgen.Sign([]byte(testSecret), ghBody)}
	}
	cases := []struct {
		name    string
		url     string
		headers map[string]string
		body    []byte
		want    int
	}{
		{"job hook, token rotating in", gl, hook("Job Hook", "e-job", glTokenB), fixtures.GitLabGet("job"), 200},
		{"pipeline hook, token rotating out", gl, hook("Pipeline Hook", "e-pipe", glTokenA), fixtures.GitLabGet("pipeline"), 200},
		{"the same event again", gl, hook("Job Hook", "e-job", glTokenA), fixtures.GitLabGet("job"), 200},
		{"a push, kept raw", gl, hook("Push Hook", "e-push", glTokenA), fixtures.GitLabGet("push"), 202},
		{"no token", gl, hook("Job Hook", "e-nil", ""), fixtures.GitLabGet("job"), 401},
		{"wrong token", gl, hook("Job Hook", "e-bad", glTokenA+glTokenB), fixtures.GitLabGet("job"), 401},
		{"GitHub's signature instead of a token", gl, signed("gh-as-gl"), ghBody, 401},
		{"wrong type", gl, hook("Job Hook", "e-type", glTokenA), fixtures.GitLabEdited("job", func(doc map[string]any) {
			doc["build_queued_duration"] = map[string]any{"seconds": 1}
		}), 400},
		{"not JSON", gl, hook("Pipeline Hook", "e-json", glTokenA), []byte("\xff\xfe{"), 400},
		{"over 25 MiB", gl, hook("Job Hook", "e-big", glTokenA), bytes.Repeat([]byte(" "), 25<<20+1), 413},
		{"GitHub on /webhook", "http://" + r.addr + "/webhook", signed("gh-1"), ghBody, 200},
		{"GitHub on the alias", "http://" + r.addr + "/webhook/github", signed("gh-2"), ghBody, 200},
		{"unsigned GitHub on the alias", "http://" + r.addr + "/webhook/github", map[string]string{"X-GitHub-Event": "workflow_job", "X-GitHub-Delivery": "gh-3"}, ghBody, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := post(t, c.url, c.headers, c.body); got != c.want {
				t.Fatalf("answered %d, want %d\n%s", got, c.want, r.logs)
			}
		})
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var glDeliveries, ghDeliveries, glJobs, glRuns, rejected int
	err = conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM deliveries WHERE forge = 'gitlab'),
		(SELECT count(*) FROM deliveries WHERE forge = 'github'),
		(SELECT count(*) FROM workflow_jobs WHERE forge = 'gitlab'), (SELECT count(*) FROM workflow_runs WHERE forge = 'gitlab'),
		(SELECT count(*) FROM delivery_rejections WHERE forge = 'gitlab')`).Scan(&glDeliveries, &ghDeliveries, &glJobs, &glRuns, &rejected)
	if err != nil {
		t.Fatal(err)
	}
	// GitLab's jobs: the Job Hook's, and the five of the Pipeline Hook's builds list.
	if glDeliveries != 3 || ghDeliveries != 2 || glJobs != 6 || glRuns != 1 || rejected != 2 {
		t.Fatalf("gitlab deliveries %d, github %d, gitlab jobs %d, runs %d, rejections %d; want 3, 2, 6, 1, 2",
			glDeliveries, ghDeliveries, glJobs, glRuns, rejected)
	}
	for _, tok := range []string{glTokenA, glTokenB} {
		if strings.Contains(r.logs.String(), tok) {
			t.Fatal("a GitLab token is in the logs")
		}
	}
}

// Without a GitLab token the endpoint does not exist.
func TestGitLabEndpointOffWithoutToken(t *testing.T) {
	r := startReceiver(t, freeAddr(t), "CIRADAR_DATABASE_URL="+pgtest.NewDatabase(t), "CIRADAR_WEBHOOK_SECRET="+testSecret,
		"CIRADAR_GITLAB_WEBHOOK_SECRET=")
	got := post(t, "http://"+r.addr+"/webhook/gitlab", map[string]string{"X-Gitlab-Event": "Job Hook",
		"X-Gitlab-Event-UUID": "e-1", "X-Gitlab-Token": "anything"}, fixtures.GitLabGet("job"))
	if got != http.StatusNotFound {
		t.Fatalf("answered %d, want 404", got)
	}
}

// An empty entry in the GitLab token list stops the receiver at start, and the tokens
// given are not echoed in the error.
func TestGitLabTokenListChecked(t *testing.T) {
	cases := []struct {
		name, list string
		fails      bool
	}{
		{"empty entry", "tok-one,,tok-two", true},
		{"trailing comma", "tok-one,", true},
		{"two tokens", "tok-one, tok-two", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("CIRADAR_GITLAB_WEBHOOK_SECRET", "")
			code, _, stderr := runCLI(t, "serve", "-database-url=postgres://u@h/db", "-webhook-secret=s",
				"-gitlab-webhook-secret", c.list, "-writers", "0")
			if code == 0 {
				t.Fatal("serve started with -writers 0")
			}
			if got := strings.Contains(stderr, "-gitlab-webhook-secret holds an empty entry"); got != c.fails {
				t.Fatalf("empty-entry error %v, want %v:\n%s", got, c.fails, stderr)
			}
			if strings.Contains(stderr, "tok-one") {
				t.Fatalf("a token is echoed:\n%s", stderr)
			}
		})
	}
}

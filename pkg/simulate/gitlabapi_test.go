package simulate_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/simulate"
)

// TestFakeGitLabAPI plays a mixed world and asks its fake GitLab API what the GitLab
// reconciler asks, checking the answers against the world: the token, GitLab's paging, the
// groups it knows (GitLab's only), updated_after, jobs, traces and runners.
func TestFakeGitLabAPI(t *testing.T) {
	cfg := smallWorld()
	if err := cfg.SetForge(simulate.ForgeMixed); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	w, err := simulate.NewWorld(cfg, 5, start)
	if err != nil {
		t.Fatal(err)
	}
	var jobs []map[string]any // the GitLab job hooks sent
	sim, err := simulate.New(w, simulate.Options{Deliver: func(_ context.Context, d simulate.Delivery) (int, error) {
		if d.Event == "Job Hook" {
			var doc map[string]any
			json.Unmarshal(d.Body, &doc)
			jobs = append(jobs, doc)
		}
		return 200, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.GitLabAPI(gitlabAPIToken))
	defer srv.Close()
	if err := sim.RunFast(context.Background(), start.Add(34*time.Hour)); err != nil {
		t.Fatal(err)
	}
	last := map[any]map[string]any{}
	for _, j := range jobs {
		last[j["build_id"]] = j
	}
	var failed, running map[string]any
	for _, j := range last {
		switch j["build_status"] {
		case "failed":
			failed = j
		case "running":
			running = j
		}
	}
	if failed == nil || running == nil {
		t.Fatal("no failed or running GitLab job to ask about")
	}
	jobPath := func(j map[string]any, suffix string) string {
		p := j["project"].(map[string]any)["path_with_namespace"].(string)
		return "/api/v4/projects/" + strings.ReplaceAll(p, "/", "%2F") + "/jobs/" + jsonID(j["build_id"]) + suffix
	}
	cases := []struct {
		name, path, token string
		code              int
		header, want      string // a response header that must be set, and text the body must hold
	}{
		{"no token", "/api/v4/groups/acme-labs/projects", "", 401, "", "401 Unauthorized"},
		{"wrong token", "/api/v4/groups/acme-labs/projects", "glpat-wrong", 401, "", "401 Unauthorized"},
		{"a GitLab group's projects, paged", "/api/v4/groups/acme-labs/projects?per_page=2", gitlabAPIToken, 200,
			"X-Next-Page", `"path_with_namespace":"acme-labs/payments-api"`},
		{"the last page has no next", "/api/v4/groups/acme-labs/projects?per_page=2&page=2", gitlabAPIToken, 200,
			"X-Total", `"path_with_namespace":"acme-labs/auth-api"`},
		{"a GitHub organisation is no GitLab group", "/api/v4/groups/acme/projects", gitlabAPIToken, 404, "", "404"},
		{"the project's job timeout", "/api/v4/projects/acme-labs%2Fsearch-api", gitlabAPIToken, 200, "", `"build_timeout":10800`},
		{"pipelines updated after the end: none", "/api/v4/projects/acme-labs%2Fsearch-api/pipelines?updated_after=2025-03-05T00:00:00Z",
			gitlabAPIToken, 200, "", "[]"},
		{"pipelines updated after the start", "/api/v4/projects/acme-labs%2Fsearch-api/pipelines?updated_after=2025-03-03T00:00:00Z&order_by=updated_at&sort=asc",
			gitlabAPIToken, 200, "", `"source":`},
		{"a bad updated_after", "/api/v4/projects/acme-labs%2Fsearch-api/pipelines?updated_after=yesterday", gitlabAPIToken, 400, "", "updated_after"},
		{"a failed job", jobPath(failed, ""), gitlabAPIToken, 200, "", `"failure_reason":"script_failure"`},
		{"a failed job's trace", jobPath(failed, "/trace"), gitlabAPIToken, 200, "", "ERROR: Job failed"},
		{"a running job has no trace yet", jobPath(running, "/trace"), gitlabAPIToken, 404, "", "404"},
		{"the group's runners", "/api/v4/groups/acme-labs/runners?type=group_type", gitlabAPIToken, 200, "", `"description":"acme-labs-linux-x64-01"`},
		{"the instance's runners: none to list", "/api/v4/runners/all?type=instance_type", gitlabAPIToken, 200, "", "[]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+c.path, nil)
			if c.token != "" {
				req.Header.Set("PRIVATE-TOKEN", c.token)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.code || !strings.Contains(string(body), c.want) {
				t.Fatalf("%d %.300s; want %d with %q", resp.StatusCode, body, c.code, c.want)
			}
			if c.header != "" && resp.Header.Get(c.header) == "" {
				t.Fatalf("no %s header: %v", c.header, resp.Header)
			}
			if c.name == "the last page has no next" && resp.Header.Get("X-Next-Page") != "" {
				t.Fatalf("X-Next-Page %q on the last page", resp.Header.Get("X-Next-Page"))
			}
			if strings.Contains(string(body), gitlabAPIToken) {
				t.Fatal("the token was echoed")
			}
		})
	}
}

func jsonID(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

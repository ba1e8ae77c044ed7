// Package gitlabfake is a fake GitLab REST API for tests, built from GitLab's real hook
// payloads (pkg/fixtures): one project in one group, its pipeline and jobs, the group's
// runners, a project's job timeout, single jobs and traces. It pages as GitLab does and
// records every request, so tests can count a reconciler's API cost.
package gitlabfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
)

// Token is the access token the fake accepts; any other is answered 401.
const Token = "glpat-test"

// Fake serves the API lists the reconciler reads, for one project, from GitLab's real
// pipeline hook example: its object_attributes are the pipeline, its builds the jobs. It
// pages as GitLab does (page, per_page, X-Next-Page) and answers updated_after
// inclusively, the harder case for the checkpoint. Tests may change its fields under Mu.
type Fake struct {
	Mu       sync.Mutex
	Project  string // full path
	pipeline map[string]any
	jobs     []map[string]any
	Runners  []map[string]any  // the group's runners
	Single   map[string]any    // job id -> the job GET /jobs/:id answers (others: 404)
	Traces   map[string]string // job id -> its trace (others: 404)
	requests []string
}

// New builds the fake from the fixtures.
func New(t testing.TB) *Fake {
	t.Helper()
	var hook struct {
		Attrs   map[string]any   `json:"object_attributes"`
		Project map[string]any   `json:"project"`
		Builds  []map[string]any `json:"builds"`
	}
	if err := json.Unmarshal(fixtures.GitLabGet("pipeline"), &hook); err != nil {
		t.Fatal(err)
	}
	apiTime := func(v any) any {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		at, err := time.Parse("2006-01-02 15:04:05 MST", s)
		if err != nil {
			t.Fatal(err)
		}
		return at.Format(time.RFC3339)
	}
	f := &Fake{Project: hook.Project["path_with_namespace"].(string), Traces: map[string]string{}}
	// The group's runners: the one of the real job hook, and two more, so that they page.
	var job map[string]any
	if err := json.Unmarshal(fixtures.GitLabGet("job"), &job); err != nil {
		t.Fatal(err)
	}
	r := job["runner"].(map[string]any)
	for i, desc := range []string{r["description"].(string), "group-runner-2", "group-runner-3"} {
		f.Runners = append(f.Runners, map[string]any{"id": r["id"].(float64) + float64(i), "description": desc,
			"runner_type": "group_type", "online": i != 2, "status": "online", "is_shared": false})
	}
	a := hook.Attrs
	f.pipeline = map[string]any{"id": a["id"], "iid": a["iid"], "project_id": hook.Project["id"], "status": a["status"],
		"source": a["source"], "ref": a["ref"], "sha": a["sha"], "web_url": hook.Project["web_url"].(string) + "/-/pipelines/31",
		"created_at": apiTime(a["created_at"]), "updated_at": apiTime(a["finished_at"])}
	for _, b := range hook.Builds {
		j := map[string]any{"id": b["id"], "name": b["name"], "stage": b["stage"], "status": b["status"],
			"created_at": apiTime(b["created_at"]), "started_at": apiTime(b["started_at"]), "finished_at": apiTime(b["finished_at"]),
			"queued_duration": b["queued_duration"], "allow_failure": b["allow_failure"], "ref": a["ref"],
			"pipeline": map[string]any{"id": a["id"]}}
		if r, ok := b["runner"].(map[string]any); ok {
			j["runner"] = map[string]any{"id": r["id"], "description": r["description"]}
			j["tag_list"] = r["tags"]
		}
		f.jobs = append(f.jobs, j)
	}
	return f
}

// Update moves the pipeline on: a new status and update time, and a job's new status.
func (f *Fake) Update(status string, at time.Time, job int, jobStatus string) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.pipeline["status"], f.pipeline["updated_at"] = status, at.Format(time.RFC3339)
	f.jobs[job]["status"] = jobStatus
}

// Calls are the paths requested so far.
func (f *Fake) Calls() []string {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return append([]string(nil), f.requests...)
}

// ServeHTTP answers as GitLab's API would.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	path := r.URL.EscapedPath()
	f.requests = append(f.requests, path)
	if r.Header.Get("Private-Token") != Token {
		http.Error(w, `{"message":"401 Unauthorized"}`, http.StatusUnauthorized)
		return
	}
	group, _, _ := strings.Cut(f.Project, "/")
	if path == "/api/v4/groups/"+group+"/runners" && r.URL.Query().Get("type") == "group_type" {
		f.page(w, r, f.Runners)
		return
	}
	if path == "/api/v4/groups/"+group+"/projects" {
		f.page(w, r, []map[string]any{{"id": f.pipeline["project_id"], "path_with_namespace": f.Project}})
		return
	}
	if path == "/api/v4/projects/"+strings.ReplaceAll(f.Project, "/", "%2F") {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": f.pipeline["project_id"], "path_with_namespace": f.Project, "build_timeout": 7200})
		return
	}
	if id, ok := strings.CutPrefix(path, "/api/v4/projects/"+strings.ReplaceAll(f.Project, "/", "%2F")+"/jobs/"); ok {
		if id, ok := strings.CutSuffix(id, "/trace"); ok && f.Traces[id] != "" {
			w.Write([]byte(f.Traces[id]))
			return
		}
	}
	if id, ok := strings.CutPrefix(path, "/api/v4/projects/"+strings.ReplaceAll(f.Project, "/", "%2F")+"/jobs/"); ok && f.Single[id] != nil {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(f.Single[id])
		return
	}
	prefix := "/api/v4/projects/" + strings.ReplaceAll(f.Project, "/", "%2F") + "/pipelines"
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok {
		http.Error(w, `{"message":"404 Not Found"}`, http.StatusNotFound)
		return
	}
	var all []map[string]any
	switch {
	case rest == "":
		after, err := time.Parse(time.RFC3339, r.URL.Query().Get("updated_after"))
		updated, _ := time.Parse(time.RFC3339, f.pipeline["updated_at"].(string))
		if err != nil || !updated.Before(after) {
			all = []map[string]any{f.pipeline}
		}
	case rest == fmt.Sprintf("/%v/jobs", f.pipeline["id"]):
		all = f.jobs
	default:
		http.Error(w, `{"message":"404 Not Found"}`, http.StatusNotFound)
		return
	}
	f.page(w, r, all)
}

// page answers one page of all, as GitLab pages (page, per_page, X-Next-Page).
func (f *Fake) page(w http.ResponseWriter, r *http.Request, all []map[string]any) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	page, per = max(page, 1), max(per, 1)
	lo, hi := min((page-1)*per, len(all)), min(page*per, len(all))
	if hi < len(all) {
		w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(all[lo:hi])
}

// Start builds the fake and serves it until the test ends.
func Start(t testing.TB) (*Fake, *httptest.Server) {
	f := New(t)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

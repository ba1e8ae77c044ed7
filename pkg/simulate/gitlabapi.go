package simulate

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GitLabAPI is the fake GitLab REST API (v4) of the world's GitLab groups: always the
// true, current state, whatever happened to the hooks, as the fake GitHub API is. It
// answers what the GitLab reconciler (pkg/gitlabapi) reads: a group's projects and
// runners, a project (its job timeout), its pipelines updated after a time, a pipeline's
// jobs, a single job and its trace; and the project and instance runner lists. Lists page
// as GitLab pages (page, per_page up to 100, X-Next-Page, X-Total, Link). Token, when set,
// is required in PRIVATE-TOKEN or as a bearer token; anything else is answered 401.
func (x *Simulator) GitLabAPI(token string) http.Handler { return &gitlabAPI{s: x.s, token: token} }

type gitlabAPI struct {
	s     *sim
	token string
}

// ProjectTimeout is every simulated project's job timeout: GitLab's default hour would
// cut the world's longest jobs short.
const ProjectTimeout = 3 * time.Hour

func (a *gitlabAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !a.authorised(r) {
		apiError(w, http.StatusUnauthorized, "401 Unauthorized")
		return
	}
	if r.Method != http.MethodGet {
		apiError(w, http.StatusMethodNotAllowed, "405 Method Not Allowed")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v4/")
	if !ok {
		apiError(w, http.StatusNotFound, "404 Not Found")
		return
	}
	var seg []string
	for _, s := range strings.Split(rest, "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			apiError(w, http.StatusBadRequest, "400 Bad request - malformed path")
			return
		}
		seg = append(seg, u)
	}
	a.s.mu.RLock()
	defer a.s.mu.RUnlock()
	a.route(w, r, seg)
}

func (a *gitlabAPI) authorised(r *http.Request) bool {
	if a.token == "" {
		return true
	}
	got := r.Header.Get("PRIVATE-TOKEN")
	if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && got == "" {
		got = b
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(a.token)) == 1
}

func (a *gitlabAPI) route(w http.ResponseWriter, r *http.Request, seg []string) {
	q := r.URL.Query()
	switch {
	case len(seg) == 3 && seg[0] == "groups" && seg[2] == "projects":
		if o := a.group(seg[1]); o != nil {
			page(w, r, mapSlice(o.Repos, apiProject))
			return
		}
	case len(seg) == 3 && seg[0] == "groups" && seg[2] == "runners":
		if o := a.group(seg[1]); o != nil {
			page(w, r, a.runners(o, q.Get("type")))
			return
		}
	case len(seg) == 2 && seg[0] == "runners" && seg[1] == "all":
		page(w, r, []map[string]any{}) // the instance's shared runners are ephemeral: one per job
		return
	case len(seg) >= 2 && seg[0] == "projects":
		if repo := a.project(seg[1]); repo != nil {
			a.projectRoute(w, r, repo, seg[2:])
			return
		}
	}
	apiError(w, http.StatusNotFound, "404 Not Found")
}

func (a *gitlabAPI) projectRoute(w http.ResponseWriter, r *http.Request, repo *Repo, seg []string) {
	q := r.URL.Query()
	id := func(i int) int64 {
		n, _ := strconv.ParseInt(seg[i], 10, 64)
		return n
	}
	switch {
	case len(seg) == 0:
		writeJSON(w, apiProject(repo))
		return
	case len(seg) == 1 && seg[0] == "runners":
		page(w, r, []map[string]any{}) // the groups' runners serve every project; none is the project's own
		return
	case len(seg) == 1 && seg[0] == "pipelines":
		runs, err := a.pipelines(repo, q)
		if err != nil {
			apiError(w, http.StatusBadRequest, err.Error())
			return
		}
		page(w, r, mapSlice(runs, a.apiPipeline))
		return
	case len(seg) == 2 && seg[0] == "pipelines":
		if run := a.run(repo, id(1)); run != nil {
			writeJSON(w, a.apiPipeline(run))
			return
		}
	case len(seg) == 3 && seg[0] == "pipelines" && seg[2] == "jobs":
		if run := a.run(repo, id(1)); run != nil {
			jobs := slices.DeleteFunc(slices.Clone(run.Jobs), func(j *Job) bool { return j.Vanished })
			page(w, r, mapSlice(jobs, a.apiJob))
			return
		}
	case len(seg) == 2 && seg[0] == "jobs":
		if j := a.job(repo, id(1)); j != nil {
			writeJSON(w, a.apiJob(j))
			return
		}
	case len(seg) == 3 && seg[0] == "jobs" && seg[2] == "trace":
		if j := a.job(repo, id(1)); j != nil && j.Status == "completed" && j.RunnerName != "" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte(gitlabTrace(j)))
			return
		}
	}
	apiError(w, http.StatusNotFound, "404 Not Found")
}

// group is the GitLab group of that path.
func (a *gitlabAPI) group(path string) *Org {
	if o := a.s.w.Org(path); o != nil && o.GitLab() {
		return o
	}
	return nil
}

// project is the GitLab project of that full path or id.
func (a *gitlabAPI) project(ref string) *Repo {
	for _, r := range a.s.w.Repos {
		if r.GitLab() && (r.FullName() == ref || strconv.FormatInt(r.ID, 10) == ref) {
			return r
		}
	}
	return nil
}

func (a *gitlabAPI) run(repo *Repo, id int64) *Run {
	if run := a.s.runsByID[id]; run != nil && run.Repo() == repo {
		return run
	}
	return nil
}

// job is a job of the project; one GitLab forgot answers 404.
func (a *gitlabAPI) job(repo *Repo, id int64) *Job {
	if j := a.s.jobsByID[id]; j != nil && !j.Vanished && j.Run.Repo() == repo {
		return j
	}
	return nil
}

func apiError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

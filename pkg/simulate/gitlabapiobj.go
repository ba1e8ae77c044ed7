package simulate

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The fake GitLab API's objects, in GitLab's REST shape (the members the reconciler and
// GitLab's Go client read, and their neighbours), and its paging.

// page writes one page of all as GitLab pages a list: page and per_page (20 by default,
// at most 100), with X-Page, X-Per-Page, X-Total, X-Total-Pages, X-Next-Page, X-Prev-Page
// and a Link header.
func page[T any](w http.ResponseWriter, r *http.Request, all []T) {
	q := r.URL.Query()
	n, _ := strconv.Atoi(q.Get("page"))
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per < 1 {
		per = 20
	}
	n, per = max(n, 1), min(per, 100)
	pages := max((len(all)+per-1)/per, 1)
	lo, hi := min((n-1)*per, len(all)), min(n*per, len(all))
	h := w.Header()
	h.Set("X-Page", strconv.Itoa(n))
	h.Set("X-Per-Page", strconv.Itoa(per))
	h.Set("X-Total", strconv.Itoa(len(all)))
	h.Set("X-Total-Pages", strconv.Itoa(pages))
	h.Set("X-Next-Page", "")
	h.Set("X-Prev-Page", "")
	link := func(p int, rel string) string {
		u := *r.URL
		v := u.Query()
		v.Set("page", strconv.Itoa(p))
		v.Set("per_page", strconv.Itoa(per))
		u.RawQuery = v.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.RequestURI(), rel)
	}
	links := []string{link(1, "first"), link(pages, "last")}
	if n < pages {
		h.Set("X-Next-Page", strconv.Itoa(n+1))
		links = append(links, link(n+1, "next"))
	}
	if n > 1 {
		h.Set("X-Prev-Page", strconv.Itoa(n-1))
		links = append(links, link(n-1, "prev"))
	}
	h.Set("Link", strings.Join(links, ", "))
	writeJSON(w, all[lo:hi])
}

func apiTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func apiProject(r *Repo) map[string]any {
	p := newGLProject(r)
	visibility := map[int]string{0: "private", 20: "public"}[p.VisibilityLevel]
	return map[string]any{"id": r.ID, "name": r.Name, "path": r.Name, "path_with_namespace": p.PathWithNamespace,
		"name_with_namespace": r.Org.Name + " / " + r.Name, "description": p.Description, "default_branch": "main",
		"visibility": visibility, "web_url": p.WebURL, "ssh_url_to_repo": p.GitSSHURL, "http_url_to_repo": p.GitHTTPURL,
		"archived": false, "build_timeout": int(ProjectTimeout.Seconds()), "ci_config_path": "",
		"namespace": map[string]any{"id": r.Org.ID, "name": r.Org.Name, "path": r.Org.Name, "kind": "group",
			"full_path": r.Org.Name, "web_url": r.Org.world.gitlabWeb("groups/" + r.Org.Name)}}
}

// updated is when anything about a pipeline last changed: its own status, or a job's.
func updated(r *Run) time.Time {
	u := r.Updated
	for _, j := range r.Jobs {
		for _, t := range []time.Time{j.Created, j.Pending, j.Manual, jobStarted(j), j.Completed} {
			if t.After(u) {
				u = t
			}
		}
	}
	return u
}

func (a *gitlabAPI) apiPipeline(r *Run) map[string]any {
	repo := r.Repo()
	return map[string]any{"id": r.ID, "iid": r.Number, "project_id": repo.ID, "name": r.Workflow.Config.Name,
		"status": gitlabPipelineStatus(r, waitsForManual(r)), "source": gitlabSource(r), "ref": r.Branch, "sha": r.SHA,
		"web_url":    repo.Org.world.gitlabWeb(fmt.Sprintf("%s/-/pipelines/%d", repo.FullName(), r.ID)),
		"created_at": apiTime(r.Created), "updated_at": apiTime(updated(r))}
}

func (a *gitlabAPI) apiJob(j *Job) map[string]any {
	r := j.Run
	queued, duration := jobTimes(j, a.s.now)
	out := map[string]any{"id": j.ID, "name": j.Name, "stage": gitlabStageName(r.Workflow.Config, j.stage),
		"status": gitlabJobStatus(j), "ref": r.Branch, "tag": r.Event == "release", "allow_failure": j.Spec.AllowFailure,
		"created_at": apiTime(j.Created), "started_at": apiTime(jobStarted(j)), "finished_at": apiTime(j.Completed),
		"erased_at": nil, "duration": duration, "queued_duration": queued, "coverage": nil,
		"web_url": glJobURL(j), "tag_list": j.Spec.RunsOn, "artifacts": []any{}, "user": newGLUser(r),
		"pipeline": map[string]any{"id": r.ID, "iid": r.Number, "project_id": r.Repo().ID, "ref": r.Branch, "sha": r.SHA,
			"status": gitlabPipelineStatus(r, waitsForManual(r)), "source": gitlabSource(r)},
		"commit": map[string]any{"id": r.SHA, "short_id": r.SHA[:8], "title": title(r)}, "runner": nil}
	if j.Status == "completed" && j.Conclusion == "failure" {
		out["failure_reason"] = "script_failure"
	}
	if j.RunnerName != "" {
		out["runner"] = map[string]any{"id": j.RunnerID, "description": j.RunnerName, "name": "gitlab-runner",
			"active": true, "paused": false, "is_shared": j.Pool.Config.Hosted, "runner_type": runnerType(j.Pool),
			"online": true, "status": "online"}
	}
	return out
}

// runners are a group's own runners: its self-hosted pools'.
func (a *gitlabAPI) runners(o *Org, typ string) []map[string]any {
	out := []map[string]any{}
	if typ != "" && typ != "group_type" {
		return out
	}
	for _, p := range o.Pools {
		if p.Config.Hosted {
			continue
		}
		for _, r := range p.Runners {
			status := "offline"
			if r.Online {
				status = "online"
			}
			out = append(out, map[string]any{"id": r.ID, "description": r.Name, "name": "gitlab-runner",
				"runner_type": "group_type", "active": true, "paused": false, "is_shared": false,
				"online": r.Online, "status": status, "ip_address": nil})
		}
	}
	return out
}

// pipelines are a project's pipelines, filtered by updated_after and updated_before
// (strictly, as GitLab compares) and ordered by order_by (id, the default, or updated_at)
// and sort (desc, the default, or asc).
func (a *gitlabAPI) pipelines(repo *Repo, q url.Values) ([]*Run, error) {
	var bounds [2]time.Time
	for i, k := range []string{"updated_after", "updated_before"} {
		if v := q.Get(k); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return nil, fmt.Errorf("400 Bad request - %s is invalid", k)
			}
			bounds[i] = t
		}
	}
	var out []*Run
	for _, id := range a.s.byRepo[repo] {
		r := a.s.runsByID[id]
		u := updated(r)
		if (!bounds[0].IsZero() && !u.After(bounds[0])) || (!bounds[1].IsZero() && !u.Before(bounds[1])) {
			continue
		}
		out = append(out, r)
	}
	byUpdate := q.Get("order_by") == "updated_at"
	slices.SortStableFunc(out, func(x, y *Run) int {
		c := int(x.ID - y.ID)
		if byUpdate {
			c = updated(x).Compare(updated(y))
		}
		if q.Get("sort") != "asc" {
			c = -c
		}
		return c
	})
	return out, nil
}

// gitlabTrace is a finished job's trace as GitLab's runner writes it: collapsible
// sections, then the job's own lines (its failure's, when it failed).
func gitlabTrace(j *Job) string {
	var b strings.Builder
	at := j.Started.Unix()
	section := func(name, header string, lines ...string) {
		fmt.Fprintf(&b, "\x1b[0Ksection_start:%d:%s\r\x1b[0K\x1b[0K\x1b[36;1m%s\x1b[0;m\n", at, name, header)
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
		at += 3
		fmt.Fprintf(&b, "\x1b[0Ksection_end:%d:%s\r\x1b[0K\n", at, name)
	}
	section("prepare_executor", "Preparing the \"docker\" executor", "Using docker image sha256:4f1c for golang:1.23 ...")
	section("get_sources", "Getting source from Git repository", "Fetching changes with git depth set to 20...",
		"Checking out "+j.Run.SHA[:8]+" as detached HEAD (ref is "+j.Run.Branch+")...")
	// The job's own lines are its log's, without GitHub's timestamps and markers.
	var own []string
	for _, l := range strings.Split(strings.TrimSpace(Log(j)), "\n") {
		_, text, _ := strings.Cut(l, " ")
		if !strings.HasPrefix(text, "##[") && !strings.HasPrefix(text, "Runner ") && !strings.HasPrefix(text, "Current runner") {
			own = append(own, text)
		}
	}
	section("step_script", "Executing \"step_script\" stage of the job script", own...)
	if j.Conclusion == "failure" {
		b.WriteString("\x1b[31;1mERROR: Job failed: exit code 1\n\x1b[0;m\n")
	} else {
		b.WriteString("\x1b[32;1mJob succeeded\x1b[0;m\n")
	}
	return b.String()
}

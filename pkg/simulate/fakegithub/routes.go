package fakegithub

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
)

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /rate_limit", s.rateLimit)
	m.HandleFunc("GET /orgs/{org}/repos", s.repos)
	m.HandleFunc("GET /orgs/{org}/actions/runners", s.runners)
	m.HandleFunc("GET /repos/{owner}/{repo}/actions/runs", s.runs)
	m.HandleFunc("GET /repos/{owner}/{repo}/actions/runs/{run}", s.run)
	m.HandleFunc("GET /repos/{owner}/{repo}/actions/runs/{run}/attempts/{attempt}", s.run)
	m.HandleFunc("GET /repos/{owner}/{repo}/actions/runs/{run}/jobs", s.runJobs)
	m.HandleFunc("GET /repos/{owner}/{repo}/actions/runs/{run}/attempts/{attempt}/jobs", s.runJobs)
	m.HandleFunc("GET /repos/{owner}/{repo}/actions/jobs/{job}", s.job)
	m.HandleFunc("GET /repos/{owner}/{repo}/actions/jobs/{job}/logs", s.jobLogRedirect)
	m.HandleFunc("GET /_logs/{owner}/{repo}/{job}", s.jobLog)
	m.HandleFunc("GET /orgs/{org}/hooks/{hook}/deliveries", s.deliveries)
	m.HandleFunc("GET /orgs/{org}/hooks/{hook}/deliveries/{id}", s.delivery)
	m.HandleFunc("POST /orgs/{org}/hooks/{hook}/deliveries/{id}/attempts", s.redeliver)
	m.HandleFunc("GET /search/issues", s.searchIssues)
	m.HandleFunc("GET /organizations/{org}/settings/billing/usage", s.billingUsage)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.reply(w, r, http.StatusNotFound, msg("Not Found")) })
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.reply(w, r, http.StatusNotFound, msg("Not Found"))
}

func id(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(r.PathValue(name), 10, 64)
	return n
}

func (s *Server) rateLimit(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.roll()
	core := map[string]any{"limit": s.cfg.RateLimit, "used": s.used, "remaining": max(s.cfg.RateLimit-s.used, 0), "reset": s.resetAt.Unix()}
	s.mu.Unlock()
	// GitHub does not count /rate_limit against the limit.
	s.reply(w, r, http.StatusOK, map[string]any{"resources": map[string]any{"core": core}, "rate": core})
	s.mu.Lock()
	s.used--
	s.mu.Unlock()
}

func (s *Server) repos(w http.ResponseWriter, r *http.Request) {
	list, ok := s.cfg.Source.Repos(r.PathValue("org"))
	if !ok {
		s.notFound(w, r)
		return
	}
	s.reply(w, r, http.StatusOK, page(w, r, list))
}

func (s *Server) runners(w http.ResponseWriter, r *http.Request) {
	list, ok := s.cfg.Source.Runners(r.PathValue("org"))
	if !ok {
		s.notFound(w, r)
		return
	}
	s.reply(w, r, http.StatusOK, map[string]any{"total_count": len(list), "runners": page(w, r, list)})
}

func (s *Server) runs(w http.ResponseWriter, r *http.Request) {
	list, ok := s.cfg.Source.Runs(r.PathValue("owner"), r.PathValue("repo"))
	if !ok {
		s.notFound(w, r)
		return
	}
	q := r.URL.Query()
	from, to, err := createdRange(q.Get("created"))
	if err != nil {
		s.reply(w, r, http.StatusUnprocessableEntity, msg(err.Error()))
		return
	}
	var out []*github.WorkflowRun
	for _, run := range list {
		c := run.GetCreatedAt().Time
		if (q.Get("status") != "" && run.GetStatus() != q.Get("status") && run.GetConclusion() != q.Get("status")) ||
			(q.Get("event") != "" && run.GetEvent() != q.Get("event")) || c.Before(from) || c.After(to) {
			continue
		}
		out = append(out, run)
	}
	s.reply(w, r, http.StatusOK, map[string]any{"total_count": len(out), "workflow_runs": nonNil(page(w, r, out))})
}

// createdRange parses the created filter: ">=T", "<=T", ">T", "<T" or "A..B", with dates
// or RFC 3339 times.
func createdRange(v string) (time.Time, time.Time, error) {
	from, to := time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if v == "" {
		return from, to, nil
	}
	parse := func(s string) (time.Time, error) {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t, nil
		}
		return time.Parse(time.DateOnly, s)
	}
	var err error
	switch {
	case strings.Contains(v, ".."):
		a, b, _ := strings.Cut(v, "..")
		if from, err = parse(a); err == nil {
			to, err = parse(b)
		}
	case strings.HasPrefix(v, ">="), strings.HasPrefix(v, ">"):
		from, err = parse(strings.TrimLeft(v, ">="))
	case strings.HasPrefix(v, "<="), strings.HasPrefix(v, "<"):
		to, err = parse(strings.TrimLeft(v, "<="))
	default:
		err = errors.New("bad created filter")
	}
	if err != nil {
		return from, to, fmt.Errorf("created: %q is not a date range", v)
	}
	return from, to, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	run, ok := s.cfg.Source.Run(r.PathValue("owner"), r.PathValue("repo"), id(r, "run"), int(id(r, "attempt")))
	if !ok {
		s.notFound(w, r)
		return
	}
	s.reply(w, r, http.StatusOK, run)
}

func (s *Server) runJobs(w http.ResponseWriter, r *http.Request) {
	all := r.URL.Query().Get("filter") == "all" && r.PathValue("attempt") == ""
	list, ok := s.cfg.Source.RunJobs(r.PathValue("owner"), r.PathValue("repo"), id(r, "run"), int(id(r, "attempt")), all)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.reply(w, r, http.StatusOK, map[string]any{"total_count": len(list), "jobs": nonNil(page(w, r, list))})
}

func (s *Server) job(w http.ResponseWriter, r *http.Request) {
	j, ok := s.cfg.Source.Job(r.PathValue("owner"), r.PathValue("repo"), id(r, "job"))
	if !ok {
		s.notFound(w, r)
		return
	}
	s.reply(w, r, http.StatusOK, j)
}

// jobLogRedirect answers like GitHub: a 302 to a short-lived download URL.
func (s *Server) jobLogRedirect(w http.ResponseWriter, r *http.Request) {
	if s.cfg.LogGone != nil && s.cfg.LogGone(r.PathValue("owner"), r.PathValue("repo"), id(r, "job")) {
		s.reply(w, r, http.StatusGone, msg("Gone"))
		return
	}
	if _, ok := s.cfg.Source.JobLog(r.PathValue("owner"), r.PathValue("repo"), id(r, "job")); !ok {
		s.notFound(w, r)
		return
	}
	s.account(w, false)
	loc := fmt.Sprintf("/_logs/%s/%s/%d", r.PathValue("owner"), r.PathValue("repo"), id(r, "job"))
	http.Redirect(w, r, loc, http.StatusFound)
}

func (s *Server) jobLog(w http.ResponseWriter, r *http.Request) {
	text, ok := s.cfg.Source.JobLog(r.PathValue("owner"), r.PathValue("repo"), id(r, "job"))
	if !ok {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(text))
}

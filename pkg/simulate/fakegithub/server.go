// Package fakegithub is a fake GitHub REST API for the simulated world: the endpoints the
// reconciler and backfill use (jobs, runs, runners, logs, org hook deliveries with
// redelivery), with GitHub's pagination, rate-limit headers and ETags. It is an
// http.Handler over a Source, so other packages can serve it and extend it.
package fakegithub

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v62/github"
)

var errNotFound = errors.New("not found")

// Source is the world the API answers from. Lists are newest first.
type Source interface {
	Repos(org string) ([]*github.Repository, bool)
	Runs(owner, repo string) ([]*github.WorkflowRun, bool)
	// Run is one attempt; attempt 0 is the latest.
	Run(owner, repo string, id int64, attempt int) (*github.WorkflowRun, bool)
	// RunJobs lists an attempt's jobs (0: latest), or every attempt's when all is set.
	RunJobs(owner, repo string, id int64, attempt int, all bool) ([]*github.WorkflowJob, bool)
	Job(owner, repo string, id int64) (*github.WorkflowJob, bool)
	JobLog(owner, repo string, id int64) (string, bool)
	Runners(org string) ([]*github.Runner, bool)
}

// Config is what a Server needs.
type Config struct {
	Source Source
	Hooks  *HookLog
	// HookRanges is what GET /meta lists as webhook source ranges (nil: GitHub's published
	// ranges and loopback).
	HookRanges []string
	// Token, when set, must come as "Authorization: Bearer <token>" or "token <token>".
	Token string
	// RateLimit is the core requests per hour; default 5000.
	RateLimit int
	// Now is the clock for rate-limit windows and redeliveries; default time.Now.
	Now func() time.Time
	// App, when set, also accepts a GitHub App's JWT and installation tokens (see app.go).
	App *App
	// Issues is what the issue search finds (nil: no issue at all).
	Issues *Issues
	// LogGone, when set, makes a job's log answer 410 Gone, as GitHub does once logs expire.
	LogGone func(owner, repo string, job int64) bool
	// BillingForbidden makes the billing usage report answer 403 (billing.go).
	BillingForbidden bool
}

// Server is the fake API.
type Server struct {
	cfg Config
	mux *http.ServeMux

	mu        sync.Mutex
	used      int
	resetAt   time.Time
	served    int
	notModded int
	tokens    map[string]bool // installation tokens handed out
}

// New builds the server.
func New(cfg Config) *Server {
	if cfg.RateLimit <= 0 {
		cfg.RateLimit = 5000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Hooks == nil {
		cfg.Hooks = NewHookLog(0, nil)
	}
	if cfg.Issues == nil {
		cfg.Issues = NewIssues("", cfg.Now)
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	s.routes()
	s.metaRoutes()
	if cfg.App != nil {
		s.appRoutes()
	}
	return s
}

// Stats reports requests answered and how many were 304s.
func (s *Server) Stats() (served, notModified int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served, s.notModded
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// GitHub Enterprise Server serves the same API under /api/v3.
	if p, ok := strings.CutPrefix(r.URL.Path, "/api/v3"); ok {
		r.URL.Path = p
	}
	// /_logs stands for GitHub's pre-signed log URLs, which take no credential.
	if (s.cfg.Token != "" || s.cfg.App != nil) && !strings.HasPrefix(r.URL.Path, "/_logs/") && !s.authorised(r) && !s.appAuthorised(r) {
		s.reply(w, r, http.StatusUnauthorized, msg("Bad credentials"))
		return
	}
	if s.exhausted() {
		s.reply(w, r, http.StatusForbidden, msg("API rate limit exceeded"))
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) authorised(r *http.Request) bool {
	a := r.Header.Get("Authorization")
	return s.cfg.Token != "" && (a == "Bearer "+s.cfg.Token || a == "token "+s.cfg.Token)
}

func msg(m string) map[string]string {
	return map[string]string{"message": m, "documentation_url": "https://docs.github.com/rest"}
}

func (s *Server) exhausted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roll()
	return s.used >= s.cfg.RateLimit
}

// roll starts a new rate-limit hour when the last one has passed.
func (s *Server) roll() {
	now := s.cfg.Now()
	if s.resetAt.IsZero() || !now.Before(s.resetAt) {
		s.used, s.resetAt = 0, now.Add(time.Hour).Truncate(time.Second)
	}
}

// reply writes v as JSON with an ETag. A matching If-None-Match gets 304 and, as on
// GitHub, costs no rate limit.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		code, body = http.StatusInternalServerError, []byte(`{"message":"encode failed"}`)
	}
	sum := sha256.Sum256(body)
	etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
	notModified := code == http.StatusOK && r.Header.Get("If-None-Match") == etag
	s.account(w, notModified)
	w.Header().Set("ETag", etag)
	if notModified {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	w.Write(body)
}

// account counts a request against the rate limit and sets GitHub's headers.
func (s *Server) account(w http.ResponseWriter, free bool) {
	s.mu.Lock()
	s.roll()
	s.served++
	if free {
		s.notModded++
	} else {
		s.used++
	}
	used, reset := s.used, s.resetAt
	s.mu.Unlock()
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.cfg.RateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(s.cfg.RateLimit-used, 0)))
	h.Set("X-RateLimit-Used", strconv.Itoa(used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
}

// page cuts items for ?page and ?per_page and sets the Link header GitHub sets.
func page[T any](w http.ResponseWriter, r *http.Request, items []T) []T {
	per := min(max(atoi(r.URL.Query().Get("per_page"), 30), 1), 100)
	p := max(atoi(r.URL.Query().Get("page"), 1), 1)
	last := max((len(items)+per-1)/per, 1)
	link := func(n int, rel string) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		q.Set("per_page", strconv.Itoa(per))
		return fmt.Sprintf(`<%s?%s>; rel="%s"`, absolute(r), q.Encode(), rel)
	}
	var links []string
	if p < last {
		links = append(links, link(p+1, "next"), link(last, "last"))
	}
	if p > 1 {
		links = append(links, link(1, "first"), link(p-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	lo := min((p-1)*per, len(items))
	return items[lo:min(lo+per, len(items))]
}

func absolute(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.Path
}

func atoi(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

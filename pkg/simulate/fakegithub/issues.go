package fakegithub

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v62/github"
)

// Issues is the fake's issue tracker: what GET /search/issues searches. Tests and the
// demo file issues into it, for example one that names an error signature's id.
type Issues struct {
	web string // the web base, e.g. https://github.com
	now func() time.Time

	mu   sync.Mutex
	list []*github.Issue
}

// NewIssues makes an empty tracker whose issue URLs start at web ("" is
// https://github.com); now dates the issues (nil: time.Now).
func NewIssues(web string, now func() time.Time) *Issues {
	if web == "" {
		web = "https://github.com"
	}
	if now == nil {
		now = time.Now
	}
	return &Issues{web: strings.TrimSuffix(web, "/"), now: now}
}

// File opens an issue in repo (owner/name) and returns its web URL.
func (t *Issues) File(repo, title, body string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(t.list) + 1
	at := github.Timestamp{Time: t.now().UTC()}
	is := &github.Issue{ID: ptr(int64(7_000_000 + n)), Number: ptr(n), Title: ptr(title), Body: ptr(body), State: ptr("open"),
		HTMLURL:       ptr(fmt.Sprintf("%s/%s/issues/%d", t.web, repo, n)),
		RepositoryURL: ptr("https://api.github.com/repos/" + repo), CreatedAt: &at, UpdatedAt: &at}
	t.list = append(t.list, is)
	return is.GetHTMLURL()
}

// SetState closes or reopens the issue at url.
func (t *Issues) SetState(url, state string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, is := range t.list {
		if is.GetHTMLURL() == url {
			is.State = ptr(state)
			is.UpdatedAt = &github.Timestamp{Time: t.now().UTC()}
		}
	}
}

// issueQuery is the part of GitHub's issue search syntax the fake understands: words or
// quoted phrases, in:title,body, type:issue / is:issue, is:open / is:closed, org: and repo:.
type issueQuery struct {
	terms       []string
	in          []string
	state       string
	orgs, repos []string
}

func parseIssueQuery(q string) issueQuery {
	var out issueQuery
	for _, tok := range splitQuery(q) {
		key, val, ok := strings.Cut(tok, ":")
		switch {
		case !ok:
			out.terms = append(out.terms, strings.ToLower(tok))
		case key == "in":
			out.in = strings.Split(val, ",")
		case (key == "is" || key == "type") && (val == "issue" || val == "pr"):
		case key == "is" || key == "state":
			out.state = val
		case key == "org" || key == "user":
			out.orgs = append(out.orgs, strings.ToLower(val))
		case key == "repo":
			out.repos = append(out.repos, strings.ToLower(val))
		default:
			out.terms = append(out.terms, strings.ToLower(tok))
		}
	}
	return out
}

// splitQuery splits on spaces, keeping "quoted phrases" whole.
func splitQuery(q string) []string {
	var out []string
	for i, part := range strings.Split(q, `"`) {
		if i%2 == 1 {
			if part != "" {
				out = append(out, part)
			}
			continue
		}
		out = append(out, strings.Fields(part)...)
	}
	return out
}

func (q issueQuery) matches(is *github.Issue) bool {
	repo := strings.ToLower(strings.TrimPrefix(is.GetRepositoryURL(), "https://api.github.com/repos/"))
	owner, _, _ := strings.Cut(repo, "/")
	if (len(q.orgs) > 0 || len(q.repos) > 0) && !slices.Contains(q.orgs, owner) && !slices.Contains(q.repos, repo) {
		return false
	}
	if q.state != "" && q.state != is.GetState() {
		return false
	}
	var text string
	if len(q.in) == 0 || slices.Contains(q.in, "title") {
		text += strings.ToLower(is.GetTitle()) + "\n"
	}
	if len(q.in) == 0 || slices.Contains(q.in, "body") {
		text += strings.ToLower(is.GetBody())
	}
	for _, t := range q.terms {
		if !strings.Contains(text, t) {
			return false
		}
	}
	return true
}

// searchIssues answers GET /search/issues, most recently updated first.
func (s *Server) searchIssues(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("q")
	if strings.TrimSpace(raw) == "" {
		s.reply(w, r, http.StatusUnprocessableEntity, msg("Validation Failed"))
		return
	}
	q := parseIssueQuery(raw)
	t := s.cfg.Issues
	t.mu.Lock()
	var hits []*github.Issue
	for _, is := range t.list {
		if q.matches(is) {
			c := *is
			hits = append(hits, &c)
		}
	}
	t.mu.Unlock()
	slices.SortStableFunc(hits, func(a, b *github.Issue) int { return b.GetUpdatedAt().Compare(a.GetUpdatedAt().Time) })
	s.reply(w, r, http.StatusOK, map[string]any{"total_count": len(hits), "incomplete_results": false, "items": page(w, r, hits)})
}

func ptr[T any](v T) *T { return &v }

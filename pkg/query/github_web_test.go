package query

import (
	"net/url"
	"testing"
)

// A new-issue link starts at the configured web root, and whatever a log line holds
// arrives in GitHub's form as it was, never as part of the URL's structure.
func TestNewIssueURL(t *testing.T) {
	cases := []struct {
		name, web, repo, title, body string
		wantPrefix                   string
	}{
		{"github.com by default", "", "acme/api", "CI error: x", "body", "https://github.com/acme/api/issues/new?"},
		{"GitHub Enterprise Server", "https://ghe.example.com/", "acme/api", "t", "b", "https://ghe.example.com/acme/api/issues/new?"},
		{"hostile text stays text", "", "acme/api", "a&b=c#frag?x", "line\n```\n<script>&title=evil", "https://github.com/acme/api/issues/new?"},
		{"no repository, no link", "", "nowhere", "t", "b", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := newIssueURL(Env{GitHubWebURL: c.web}, c.repo, c.title, c.body)
			if c.wantPrefix == "" {
				if got != "" {
					t.Fatalf("got %q, want no link", got)
				}
				return
			}
			u, err := url.Parse(got)
			if err != nil || got[:len(c.wantPrefix)] != c.wantPrefix {
				t.Fatalf("got %q (%v), want it to start %q", got, err, c.wantPrefix)
			}
			if q := u.Query(); q.Get("title") != c.title || q.Get("body") != c.body || len(q) != 2 || u.Fragment != "" {
				t.Errorf("form fields %v (fragment %q), want title %q and body %q only", q, u.Fragment, c.title, c.body)
			}
		})
	}
}

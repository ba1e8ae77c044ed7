package fakegithub

import (
	"testing"
	"time"
)

// The issue search understands the parts of GitHub's syntax CI Radar sends, and finds what
// GitHub would.
func TestIssueSearch(t *testing.T) {
	tr := NewIssues("https://ghe.example.com/", func() time.Time { return time.Unix(0, 0) })
	inTitle := tr.File("acme/api", "Flaky: abc123 in checkout", "")
	inBody := tr.File("acme/web", "Build broken", "signature abc123\nmore")
	tr.File("other/x", "abc123 elsewhere", "")
	closed := tr.File("acme/api", "old abc123", "")
	tr.SetState(closed, "closed")
	cases := []struct {
		name, q string
		want    []string
	}{
		{"org and phrase", `"abc123" in:title,body type:issue org:acme`, []string{inTitle, inBody, closed}},
		{"title only", `"abc123" in:title org:acme`, []string{inTitle, closed}},
		{"body only", `abc123 in:body org:acme`, []string{inBody}},
		{"open only", `abc123 is:open org:acme`, []string{inTitle, inBody}},
		{"a repository", `abc123 repo:acme/web`, []string{inBody}},
		{"two orgs", `abc123 org:acme org:other`, []string{inTitle, inBody, closed, "https://ghe.example.com/other/x/issues/3"}},
		{"no match", `zzz org:acme`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := parseIssueQuery(c.q)
			var got []string
			for _, is := range tr.list {
				if q.matches(is) {
					got = append(got, is.GetHTMLURL())
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("found %v, want %v", got, c.want)
			}
			want := map[string]bool{}
			for _, w := range c.want {
				want[w] = true
			}
			for _, g := range got {
				if !want[g] {
					t.Errorf("found %s, want only %v", g, c.want)
				}
			}
		})
	}
}

package query_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ciradar/ciradar/pkg/query"
)

func TestParseScope(t *testing.T) {
	tests := []struct {
		name     string
		entries  []string
		describe string // the health check's words for a valid scope
		wrong    string // what the error must say for an invalid one
	}{
		{name: "empty means everything", entries: nil, describe: "not scoped: every repository of the store"},
		{name: "organisations and patterns", entries: []string{"acme", "octo", "beta", "gamma/*", "acme/web"},
			describe: "scoped to 3 organisations, 2 repository patterns"},
		{name: "one of each", entries: []string{"acme", "octo/tools"}, describe: "scoped to 1 organisation, 1 repository pattern"},
		{name: "dots, dashes and underscores", entries: []string{"my-org/site.github.io", "a_b/c-d"}, describe: "scoped to 2 repository patterns"},
		{name: "an empty entry", entries: []string{"acme", ""}, wrong: `scope entry 2 "" is empty`},
		{name: "an empty owner", entries: []string{"/web"}, wrong: `scope entry 1 "/web" has an empty owner`},
		{name: "an empty repository", entries: []string{"acme/"}, wrong: `scope entry 1 "acme/" has an empty repository`},
		{name: "a wildcard for everything", entries: []string{"*"}, wrong: `scope entry 1 "*" has a wildcard owner`},
		{name: "a wildcard owner", entries: []string{"acme", "*/web"}, wrong: `scope entry 2 "*/web" has a wildcard owner`},
		{name: "a wildcard in the middle of a name", entries: []string{"acme/we*b"}, wrong: `scope entry 1 "acme/we*b" has a wildcard inside a name`},
		{name: "a prefix wildcard", entries: []string{"acme/web-*"}, wrong: `scope entry 1 "acme/web-*" has a wildcard inside a name`},
		{name: "a wildcard in an organisation", entries: []string{"ac*"}, wrong: `scope entry 1 "ac*" has a wildcard inside a name`},
		{name: "two slashes", entries: []string{"acme/web/x"}, wrong: `scope entry 1 "acme/web/x" has more than one /`},
		{name: "a space", entries: []string{"ac me"}, wrong: `scope entry 1 "ac me" holds " "`},
		{name: "a NUL byte", entries: []string{"acme\x00"}, wrong: `scope entry 1 "acme\x00" holds "\x00"`},
		{name: "too many entries", entries: make([]string, 1001), wrong: "scope has 1001 entries: at most 1000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := query.ParseScope(tc.entries)
			if tc.wrong != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wrong) {
					t.Fatalf("error %v, want one saying %q", err, tc.wrong)
				}
				if !s.IsZero() {
					t.Fatalf("a refused scope came back as %q", s.Describe())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Describe(); got != tc.describe {
				t.Fatalf("Describe() = %q, want %q", got, tc.describe)
			}
		})
	}
}

func TestParseScopeAtTheLimit(t *testing.T) {
	entries := make([]string, query.MaxScopeEntries)
	for i := range entries {
		entries[i] = fmt.Sprintf("org%d/repo%d", i%7, i)
	}
	s, err := query.ParseScope(entries)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Describe(), "scoped to 1000 repository patterns"; got != want {
		t.Fatalf("Describe() = %q, want %q", got, want)
	}
}

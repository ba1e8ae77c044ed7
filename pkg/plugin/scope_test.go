package plugin

import (
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func TestLoadSettingsScope(t *testing.T) {
	tests := []struct {
		name, json string
		describe   string // the scope as the health check reports it
		wrong      string // what a malformed scope's error says
	}{
		{name: "absent", json: `{}`, describe: "not scoped: every repository of the store"},
		{name: "null", json: `{"scope": null}`, describe: "not scoped: every repository of the store"},
		{name: "an empty list", json: `{"scope": []}`, describe: "not scoped: every repository of the store"},
		{name: "a list", json: `{"scope": ["acme", "octo", "beta/*", "gamma/web", " delta/api "]}`,
			describe: "scoped to 2 organisations, 3 repository patterns"},
		{name: "one string, as an environment variable gives it", json: `{"scope": "acme, beta/*\ngamma/web"}`,
			describe: "scoped to 1 organisation, 2 repository patterns"},
		{name: "a blank string", json: `{"scope": "  "}`, describe: "not scoped: every repository of the store"},
		{name: "a malformed entry", json: `{"scope": ["acme", "beta/we*b"]}`, wrong: `scope entry 2 "beta/we*b" has a wildcard inside a name`},
		{name: "blank entries in a string are separators", json: `{"scope": "acme,,\n beta"}`, describe: "scoped to 2 organisations"},
		{name: "an empty owner in a string", json: `{"scope": "acme, /web"}`, wrong: `scope entry 2 "/web" has an empty owner`},
		{name: "an empty entry in a list", json: `{"scope": ["acme", ""]}`, wrong: `scope entry 2 "" is empty`},
		{name: "a number", json: `{"scope": 7}`, wrong: "scope must be a list of organisations and owner/repo patterns"},
		{name: "a list of numbers", json: `{"scope": [1, 2]}`, wrong: "scope must be a list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(tc.json)})
			// A malformed scope does not stop the instance from loading: its health check
			// must be able to name the entry, and every query refuses (TestScopeHidesWhatIsOutOfScope).
			if err != nil {
				t.Fatalf("LoadSettings: %v", err)
			}
			if tc.wrong != "" {
				if s.scopeErr == nil || !strings.Contains(s.scopeErr.Error(), tc.wrong) {
					t.Fatalf("scope error %v, want one saying %q", s.scopeErr, tc.wrong)
				}
				if !s.scope.IsZero() {
					t.Fatalf("a refused scope reads as %q", s.scope.Describe())
				}
				return
			}
			if s.scopeErr != nil {
				t.Fatal(s.scopeErr)
			}
			if got := s.scope.Describe(); got != tc.describe {
				t.Fatalf("scope %q, want %q", got, tc.describe)
			}
		})
	}
}

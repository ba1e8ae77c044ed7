package query_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// TestLinksUseTheConfiguredHost runs every query type that builds GitHub links with a
// GitHub Enterprise Server base: each URL it answers must start with that base, whatever
// host the stored payloads named (github.com in the seeded world).
func TestLinksUseTheConfiguredHost(t *testing.T) {
	pool, _ := seed(t, newWorld())
	const ghes = "https://ghe.example.com/github"
	env := query.Env{DB: pool, Status: fakeStatus{}, GitHubWebURL: ghes}
	tests := []struct{ name, queryType, json string }{
		{"jobs", "jobs", `{}`},
		{"active jobs", "active_jobs", `{}`},
		{"pipeline", "pipeline", `{"runId": 900001}`},
		{"nightly failures", "nightly_failures", `{}`},
		{"flaky jobs", "flaky_jobs", `{}`},
		{"org overview", "org_overview", `{}`},
		{"commit grid", "commit_grid", `{"repo": "acme/web", "branch": "main"}`},
		{"pull requests", "pull_requests", `{}`},
		{"branches", "refs", `{"kind": "branches"}`},
		{"failed run annotations", "annotations", `{"source": "failed_runs"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			frames, err := types[tc.queryType](context.Background(), env, request(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			n := checkURLs(t, frames, ghes+"/")
			if tc.queryType == "annotations" {
				n = checkText(t, frames, ghes+"/")
			}
			if n == 0 {
				t.Errorf("no link in the answer to check")
			}
		})
	}
}

// checkURLs holds every non-null value of every *_url field to the prefix, and counts them.
func checkURLs(t *testing.T, frames data.Frames, prefix string) int {
	t.Helper()
	n := 0
	for _, f := range frames {
		for _, fl := range f.Fields {
			if !strings.HasSuffix(fl.Name, "_url") {
				continue
			}
			for i := 0; i < fl.Len(); i++ {
				v, ok := fl.ConcreteAt(i)
				if !ok {
					continue
				}
				n++
				if s, _ := v.(string); !strings.HasPrefix(s, prefix) {
					t.Errorf("%s row %d: %q does not start with %s", fl.Name, i, s, prefix)
				}
			}
		}
	}
	return n
}

func TestGridAndRefsNeedWhatTheyShow(t *testing.T) {
	tests := []struct{ name, queryType, json, want string }{
		{"grid without repo", "commit_grid", `{"branch": "main"}`, "needs one repo and one branch"},
		{"grid over every repo", "commit_grid", `{"repo": "*", "branch": "main"}`, "needs one repo and one branch"},
		{"grid without branch", "commit_grid", `{"repo": "acme/web"}`, "needs one repo and one branch"},
		{"grid limit too big", "commit_grid", `{"repo": "acme/web", "branch": "main", "limit": 100000}`, "limit 100000"},
		{"refs of an unknown kind", "refs", `{"kind": "forks"}`, `kind "forks"`},
		{"pull requests limit negative", "pull_requests", `{"limit": -1}`, "limit -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := types[tc.queryType](context.Background(), query.Env{DB: failingDB{}}, request(tc.json))
			if !query.IsBadQuery(err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a bad query saying %q", err, tc.want)
			}
		})
	}
}

// checkText holds every address in the annotations' text to the prefix, and counts them.
func checkText(t *testing.T, frames data.Frames, prefix string) int {
	t.Helper()
	n := 0
	for _, f := range frames {
		fl, _ := f.FieldByName("text")
		for i := 0; fl != nil && i < fl.Len(); i++ {
			for _, word := range strings.Fields(fl.At(i).(string)) {
				if strings.HasPrefix(word, "http") {
					n++
					if !strings.HasPrefix(word, prefix) {
						t.Errorf("text row %d links %q, not under %s", i, word, prefix)
					}
				}
			}
		}
	}
	return n
}

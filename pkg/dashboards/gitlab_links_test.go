package dashboards

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// gitLabProject is the project of GitLab's example hooks, on its own instance.
const gitLabProject = "http://192.168.64.1:3005/gitlab-org/gitlab-test"

// TestGitLabRepositoryLinks: over a store holding only GitLab's example pipeline (a
// scheduled one on the default branch, its jobs from its hook) every dashboard's repository
// cells open the project on its GitLab instance, never on GitHub, links to the Pipeline
// dashboard name the forge with the run id, and no link a panel adds says GitHub.
func TestGitLabRepositoryLinks(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	st, err := store.Open(ctx, dbURL, store.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := now.Add(-2 * time.Hour)
	ts := func(d time.Duration) string { return at.Add(d).Format("2006-01-02 15:04:05 UTC") }
	body := fixtures.GitLabEdited("pipeline", func(doc map[string]any) {
		a := doc["object_attributes"].(map[string]any)
		a["source"], a["created_at"], a["finished_at"], a["status"] = "schedule", ts(0), ts(10*time.Minute), "failed"
		for _, b := range doc["builds"].([]any) {
			b := b.(map[string]any)
			b["created_at"], b["status"], b["failure_reason"] = ts(0), "failed", "script_failure"
			b["started_at"], b["finished_at"] = ts(2*time.Minute), ts(5*time.Minute)
			b["runner"] = map[string]any{"id": 7, "description": "docker-1", "runner_type": "project_type", "tags": []string{"docker"}}
		}
	})
	d := store.Delivery{ID: "pl", Event: store.GitLabPipelineHook, Payload: body, ReceivedAt: at.Add(10 * time.Minute), Forge: store.ForgeGitLab}
	p, err := store.Project(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Write(ctx, []store.Item{{Delivery: d, Projection: p}}); err != nil {
		t.Fatal(err)
	}
	setReaderPassword(t, dbURL)
	s := seeded{ds: datasource(t, dbURL, "", nil), now: now, dbURL: dbURL}

	files, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	checked, pipelines := 0, 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var d Dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if d.UID == "ciradar-status" || d.UID == "ciradar-runners" {
			continue // GitHub's status page; runner pools: no repository cells
		}
		t.Run(d.UID, func(t *testing.T) {
			vars := variableValues(t, s, &d)
			r, err := rangeOf(d.Time.From, d.Time.To, now)
			if err != nil {
				t.Fatal(err)
			}
			for _, pn := range d.Panels {
				links := panelLinks(pn, nil)
				var repoLinks, pipeLinks []fieldLink
				for _, l := range links {
					if strings.Contains(l.url, "/d/ciradar-pipeline?") {
						pipeLinks = append(pipeLinks, l)
					}
					if strings.Contains(strings.ToLower(l.url), "github") {
						t.Errorf("panel %q: link %q is GitHub's", pn.Title, l.url)
					}
					if l.field == "repo" && strings.HasPrefix(l.url, "${__data.fields.") {
						repoLinks = append(repoLinks, l)
					}
				}
				if len(repoLinks)+len(pipeLinks) == 0 {
					continue
				}
				iv, err := interval(r, pn.Interval)
				if err != nil {
					t.Fatal(err)
				}
				var frames data.Frames
				for _, tg := range pn.Targets {
					f, err := askWith(s.ds, tg, r, iv, false, vars) // a panel may be empty here
					if err != nil {
						t.Fatalf("panel %q: %v", pn.Title, err)
					}
					frames = append(frames, f...)
				}
				for _, l := range repoLinks {
					if url, ok := resolveLink(l, frames, vars); ok {
						checked++
						if url != gitLabProject {
							t.Errorf("panel %q: the repository opens %q, want %q", pn.Title, url, gitLabProject)
						}
					}
				}
				// A run id is only unique within a forge: the Pipeline dashboard is told which.
				for _, l := range pipeLinks {
					if url, ok := resolveLink(l, frames, vars); ok {
						pipelines++
						if !strings.Contains(url, "var-run_id=31&var-forge=gitlab&") {
							t.Errorf("panel %q: the pipeline link %q does not name GitLab's pipeline 31", pn.Title, url)
						}
					}
				}
			}
		})
	}
	// Recent jobs, Top repositories, nights, default branches, the pipeline's jobs, ...
	if checked < 6 || pipelines < 4 {
		t.Errorf("only %d repository and %d pipeline links resolved on GitLab's rows", checked, pipelines)
	}
	t.Logf("%d repository and %d pipeline links checked", checked, pipelines)
}

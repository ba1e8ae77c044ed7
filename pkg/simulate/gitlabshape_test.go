package simulate

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
)

// gitlabWorld is the default world with every organisation on GitLab.
func gitlabWorld(t *testing.T, mode string) Config {
	t.Helper()
	c := DefaultConfig()
	if err := c.SetForge(mode); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGitLabHookShape holds the simulator's GitLab hooks to GitLab's own examples (the
// Job Hook's job.json and build.json, the Pipeline Hook's pipeline.json): every member of
// the examples is present in what the simulator sends for the same event, and a member
// dropped from the simulator's is caught.
func TestGitLabHookShape(t *testing.T) {
	got, _ := collect(t, gitlabWorld(t, ForgeGitLab), 18, 48*time.Hour, Noise{}, 10*time.Minute)
	sim := map[string][][]byte{}
	for _, d := range got {
		if d.Forge != ForgeGitLab {
			t.Fatalf("delivery %s of a GitLab world is not GitLab's", d.Event)
		}
		sim[d.Event] = append(sim[d.Event], d.Body)
	}
	examples := map[string][]string{"Job Hook": {"job", "build"}, "Pipeline Hook": {"pipeline"}}
	cases := []struct {
		name, event, drop string
	}{
		{name: "Job Hook has every member", event: "Job Hook"},
		{name: "Pipeline Hook has every member", event: "Pipeline Hook"},
		{name: "a dropped runner tag list is caught", event: "Job Hook", drop: "runner.tags"},
		{name: "a dropped build member is caught", event: "Pipeline Hook", drop: "builds[].queued_duration"},
		{name: "a dropped upstream pipeline is caught", event: "Pipeline Hook", drop: "source_pipeline.job_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(sim[c.event]) < 100 {
				t.Fatalf("the simulator sent %d %s, want plenty", len(sim[c.event]), c.event)
			}
			var real [][]byte
			for _, name := range examples[c.event] {
				real = append(real, fixtures.GitLabGet(name))
			}
			rs, ss := shapeOf(t, real), shapeOf(t, sim[c.event])
			want, have := rs.paths, ss.paths
			if c.drop == "" {
				var r, g []int
				for _, v := range rs.sizes {
					r = append(r, v...)
				}
				for _, v := range ss.sizes {
					g = append(g, v...)
				}
				t.Logf("%d simulated bodies of %.0f bytes on average; GitLab's examples %.0f", len(g), mean(g), mean(r))
			}
			if c.drop != "" {
				delete(have, c.drop)
			}
			miss := missing(want, have)
			if c.drop != "" {
				if !slices.Equal(miss, []string{c.drop}) {
					t.Fatalf("dropping %s: missing %v, want just it", c.drop, miss)
				}
				return
			}
			if len(miss) > 0 {
				t.Errorf("%d members of GitLab's %s examples missing from the simulator's: %v", len(miss), c.event, miss)
			}
		})
	}
}

// TestGitLabLifecycle follows what a GitLab world sends: every status of GitLab's job and
// pipeline lifecycle the world can reach appears, in the order GitLab allows, with
// GitLab's headers.
func TestGitLabLifecycle(t *testing.T) {
	got, truth := collect(t, gitlabWorld(t, ForgeGitLab), 18, 24*time.Hour, Noise{}, 10*time.Minute)
	seen := map[string]map[string]bool{"Job Hook": {}, "Pipeline Hook": {}}
	sources := map[string]bool{}
	last := map[int64]string{} // job id: its last status
	rank := map[string]int{"created": 1, "manual": 2, "pending": 3, "running": 4, "success": 5, "failed": 5, "canceled": 5, "skipped": 5}
	for _, d := range got {
		seen[d.Event][d.Action] = true
		h := d.Header("tok")
		if h.Get("X-Gitlab-Token") != "tok" || h.Get("X-Gitlab-Event") != d.Event || h.Get("X-Gitlab-Event-UUID") != d.GUID ||
			h.Get("Idempotency-Key") == "" || h.Get("Idempotency-Key") == d.GUID || h.Get("X-Hub-Signature-256") != "" {
			t.Fatalf("headers of %s: %v", d.Event, h)
		}
		var doc struct {
			BuildID    int64  `json:"build_id"`
			BuildStage string `json:"build_stage"`
			Attrs      struct {
				Source string `json:"source"`
			} `json:"object_attributes"`
		}
		if err := json.Unmarshal(d.Body, &doc); err != nil {
			t.Fatal(err)
		}
		if d.Event == "Pipeline Hook" {
			sources[doc.Attrs.Source] = true
			continue
		}
		if prev := last[doc.BuildID]; rank[prev] > rank[d.Action] && !(prev == "manual" && d.Action == "pending") {
			t.Errorf("job %d went from %s to %s", doc.BuildID, prev, d.Action)
		}
		last[doc.BuildID] = d.Action
	}
	cases := []struct {
		name, event string
		want        []string
	}{
		{"job statuses", "Job Hook", []string{"created", "pending", "manual", "running", "success", "failed", "canceled", "skipped"}},
		{"pipeline statuses", "Pipeline Hook", []string{"created", "pending", "running", "manual", "success", "failed", "canceled"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range c.want {
				if !seen[c.event][s] {
					t.Errorf("no %s with status %s; seen %v", c.event, s, seen[c.event])
				}
			}
		})
	}
	t.Run("pipeline sources", func(t *testing.T) {
		for _, s := range []string{"push", "merge_request_event", "schedule", "web", "pipeline"} {
			if !sources[s] {
				t.Errorf("no pipeline with source %s; seen %v", s, sources)
			}
		}
	})
	t.Run("truth keyed by forge", func(t *testing.T) {
		if truth.Forges[ForgeGitLab] == nil || truth.Forges[ForgeGitHub] != nil || truth.Forges[ForgeGitLab].Jobs["completed/skipped"] == 0 {
			t.Fatalf("forges %+v: want GitLab's alone, with skipped jobs", truth.Forges)
		}
	})
}

package simulate

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"
)

// TestReleases: a workflow on the release trigger runs in office hours, on the release's
// tag; the default world, which has none, makes no release runs.
func TestReleases(t *testing.T) {
	withReleases := DefaultConfig()
	withReleases.Workflows = append(withReleases.Workflows, WorkflowConfig{Name: "Publish", On: []string{"release"}, Share: 1,
		Stages: [][]JobSpec{{{Name: "publish", RunsOn: withReleases.Workflows[0].Stages[0][0].RunsOn, Minutes: [2]float64{1, 3}}}}})
	tag := regexp.MustCompile(`^v1\.\d+\.0$`)
	tests := []struct {
		name     string
		cfg      Config
		releases bool
	}{
		{name: "a world with a release workflow", cfg: withReleases, releases: true},
		{name: "the default world", cfg: DefaultConfig(), releases: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := collect(t, tc.cfg, 3, 3*24*time.Hour, Noise{}, 30*time.Minute)
			n := 0
			for _, d := range got {
				if d.Event != "workflow_run" {
					continue
				}
				var ev struct {
					Run struct {
						Event      string    `json:"event"`
						HeadBranch string    `json:"head_branch"`
						CreatedAt  time.Time `json:"created_at"`
					} `json:"workflow_run"`
				}
				if err := json.Unmarshal(d.Body, &ev); err != nil {
					t.Fatal(err)
				}
				if ev.Run.Event != "release" {
					continue
				}
				n++
				if !tag.MatchString(ev.Run.HeadBranch) {
					t.Errorf("release run on %q, want a tag v1.N.0", ev.Run.HeadBranch)
				}
				if h := ev.Run.CreatedAt.Hour(); h < tc.cfg.Activity.OfficeStart || h >= tc.cfg.Activity.OfficeEnd {
					t.Errorf("release run created at %s, outside office hours", ev.Run.CreatedAt)
				}
			}
			if (n > 0) != tc.releases {
				t.Errorf("%d release run deliveries, want some: %v", n, tc.releases)
			}
		})
	}
}

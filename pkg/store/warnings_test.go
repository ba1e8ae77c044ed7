package store_test

import (
	"testing"

	"github.com/ciradar/ciradar/pkg/store"
)

// Passed with warnings means the same on both forges: the run went on, green, past a
// failure it was told to accept (continue-on-error on GitHub, allow_failure on GitLab).
func TestPassedWithWarnings(t *testing.T) {
	failedStep := []store.Step{{Number: 1, Name: "lint", Conclusion: "failure"}, {Number: 2, Name: "test", Conclusion: "success"}}
	cases := []struct {
		name string
		job  store.Job
		want bool
	}{
		{"GitHub: success with a failed step", store.Job{Forge: store.ForgeGitHub, Status: "completed", Conclusion: "success", Steps: failedStep}, true},
		{"GitHub: success, every step passed", store.Job{Forge: store.ForgeGitHub, Status: "completed", Conclusion: "success", Steps: failedStep[1:]}, false},
		{"GitHub: failure with a failed step", store.Job{Forge: store.ForgeGitHub, Status: "completed", Conclusion: "failure", Steps: failedStep}, false},
		{"GitHub: unnamed forge is GitHub", store.Job{Status: "completed", Conclusion: "success", Steps: failedStep}, true},
		{"GitHub: allow_failure means nothing", store.Job{Forge: store.ForgeGitHub, Status: "completed", Conclusion: "failure", AllowFailure: true}, false},
		{"GitLab: failed under allow_failure", store.Job{Forge: store.ForgeGitLab, Status: "completed", Conclusion: "failure", AllowFailure: true}, true},
		{"GitLab: failed, not allowed", store.Job{Forge: store.ForgeGitLab, Status: "completed", Conclusion: "failure"}, false},
		{"GitLab: passed under allow_failure", store.Job{Forge: store.ForgeGitLab, Status: "completed", Conclusion: "success", AllowFailure: true}, false},
		{"GitLab: still running", store.Job{Forge: store.ForgeGitLab, Status: "in_progress", AllowFailure: true}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.job.PassedWithWarnings(); got != c.want {
				t.Fatalf("PassedWithWarnings() = %v, want %v", got, c.want)
			}
		})
	}
}

package simulate

import "fmt"

// Releases: a workflow with the "release" trigger runs when someone publishes a release,
// which people do in office hours about as often as they dispatch a workflow by hand.
// GitHub runs it on the release's tag, so the run's head branch is the tag's name.

// planReleases starts wf's release process.
func (s *sim) planReleases(wf *Workflow) {
	s.poisson(wf, s.w.Config.Activity.DispatchPerDay/float64(s.officeHours()), true, []string{"release"})
}

// releaseTag names the tag of a workflow's next release: one minor version per release.
func releaseTag(wf *Workflow) string {
	return fmt.Sprintf("v1.%d.0", wf.runNumber)
}

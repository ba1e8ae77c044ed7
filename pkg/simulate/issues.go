package simulate

import (
	"strings"

	"github.com/ciradar/ciradar/pkg/logscan"
	"github.com/ciradar/ciradar/pkg/simulate/fakegithub"
)

// failedConclusions are the conclusions whose logs the reconciler turns into signatures.
var failedConclusions = map[string]bool{"failure": true, "timed_out": true, "startup_failure": true}

// FileErrorIssues files, in the fake GitHub's issue tracker, one issue for every nth error
// signature (1: all) the logs of the jobs failed so far carry, in the repository it was
// first seen in, with the signature's id in the body: what a team that files its CI
// errors would have, for the reconciler's issue search to find. It returns how many it
// filed. The signatures are logscan's, as the reconciler computes them.
func (x *Simulator) FileErrorIssues(tr *fakegithub.Issues, nth int) int {
	src := x.Source()
	seen := map[string]bool{}
	filed := 0
	for _, r := range x.w.Repos {
		runs, _ := src.Runs(r.Org.Name, r.Name)
		for _, run := range runs {
			jobs, _ := src.RunJobs(r.Org.Name, r.Name, run.GetID(), 0, true)
			for _, j := range jobs {
				if !failedConclusions[j.GetConclusion()] {
					continue
				}
				log, ok := src.JobLog(r.Org.Name, r.Name, j.GetID())
				if !ok {
					continue
				}
				res, err := logscan.Scan(strings.NewReader(log), 0)
				if err != nil || res.Signature == nil || seen[res.Signature.Hash] {
					continue
				}
				seen[res.Signature.Hash] = true
				if (len(seen)-1)%max(nth, 1) != 0 {
					continue
				}
				tr.File(r.FullName(), "CI fails: "+res.Signature.Text,
					"Seen by CI Radar as error signature "+res.Signature.Hash+".\n\n```\n"+res.Signature.Excerpt+"\n```")
				filed++
			}
		}
	}
	return filed
}

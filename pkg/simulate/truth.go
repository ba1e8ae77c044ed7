package simulate

import (
	"math"
	"slices"
	"sort"
	"time"
)

// Truth is the exact state of the world after a run: what a correct store must show.
// docs/simulator.md describes each field.
type Truth struct {
	Seed       uint64    `json:"seed"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Deliveries Counts    `json:"deliveries"`
	// Jobs counts jobs by "status" or "status/conclusion".
	Jobs map[string]int `json:"jobs"`
	// Runs counts run attempts by "status" or "status/conclusion".
	Runs map[string]int `json:"runs"`
	// RunsByEvent counts workflow runs (not attempts) by trigger event.
	RunsByEvent map[string]int `json:"runs_by_event"`
	// QueueTime is per label set (the store's label_key) over every job a runner took:
	// seconds from creation, or from the approval, to the start.
	QueueTime map[string]Stats `json:"queue_time"`
	// QueueTimeUngated is the same over jobs that never waited for an approval. Those
	// figures hold whatever the receiver's clock; see docs/simulator.md.
	QueueTimeUngated map[string]Stats `json:"queue_time_ungated"`
	// Approvals is per label set: jobs that waited for an environment approval, and the
	// seconds they waited.
	Approvals map[string]Stats `json:"approvals"`
	// NightlyFailures counts scheduled runs whose latest attempt failed, by UTC day of the
	// run's creation and repository.
	NightlyFailures map[string]map[string]int `json:"nightly_failures"`
	ErrorSignatures []Signature               `json:"error_signatures"`
	Flaky           []FlakyJob                `json:"flaky_jobs"`
	// Abandoned counts, per label set, the jobs that completed without a runner ever
	// taking them (cancelled, or forgotten and so closed as gone, while queued or waiting),
	// as the store derives them once a reconcile cycle has run.
	Abandoned map[string]int `json:"abandoned"`
	// Fates says what each job forgotten by GitHub or cancelled while queued becomes in a
	// correct store after one reconcile cycle.
	Fates []Fate `json:"fates"`
	// Steps (steps.go): StepDurations per "workflow / job / step" over the steps of every
	// completed job; FailedSteps, for every failed job, its first failed step ("" when
	// none); PassedWithWarnings, the jobs that succeeded while a step failed.
	StepDurations      map[string]Stats `json:"step_durations"`
	FailedSteps        map[int64]string `json:"failed_steps"`
	PassedWithWarnings int              `json:"passed_with_warnings"`
	// BillableMinutes and Cost are per repository: what GitHub bills (cost.go).
	BillableMinutes map[string]int64   `json:"billable_minutes"`
	Cost            map[string]float64 `json:"cost"`
	// PeakConcurrency is per runner type (github-hosted, self-hosted).
	PeakConcurrency map[string]Peak `json:"peak_concurrency"`
	// Forges splits Jobs, Runs and RunsByEvent by forge (github, gitlab); ManualWaits is
	// per label set: GitLab's manual jobs played by a person, and the seconds they waited
	// (gitlabtruth.go). Approvals, steps, cost and peaks are GitHub's.
	Forges      map[string]*ForgeTruth `json:"forges"`
	ManualWaits map[string]Stats       `json:"manual_waits"`
}

// Fate is what one job should become: "completed/gone" for a job GitHub forgot (the API
// answers 404, the reconciler closes it), "completed/cancelled" for one whose run was
// cancelled while it waited.
type Fate struct {
	JobID     int64  `json:"job_id"`
	LabelKey  string `json:"label_key"`
	Becomes   string `json:"becomes"`
	Abandoned bool   `json:"abandoned"`
}

// Counts is what happened to the deliveries.
type Counts struct {
	Events     int `json:"events"`     // webhook-worthy events in the world
	Sent       int `json:"sent"`       // requests made, duplicates included
	Duplicates int `json:"duplicates"` // extra copies sent
	Reordered  int `json:"reordered"`  // deliveries held back behind later ones
	Dropped    int `json:"dropped"`    // never delivered; in the fake API as failed
	Failed     int `json:"failed"`     // the receiver did not answer 2xx
}

// Stats summarises durations in seconds; percentiles are nearest-rank (see Percentile).
type Stats struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_s"`
	P95   float64 `json:"p95_s"`
	Max   float64 `json:"max_s"`
}

// Signature is one failure mode and how often it hit.
type Signature struct {
	Name      string    `json:"name"`
	Line      string    `json:"line"` // the mode's first log line, as a template
	Jobs      int       `json:"jobs"`
	Repos     int       `json:"repos"`
	FirstSeen time.Time `json:"first_seen"`
}

// FlakyJob is a job that failed on attempt 1 and passed on attempt 2 of the same sha.
type FlakyJob struct {
	Repo     string `json:"repo"`
	Workflow string `json:"workflow"`
	Job      string `json:"job"`
	RunID    int64  `json:"run_id"`
	SHA      string `json:"head_sha"`
}

// Percentile is the nearest-rank percentile of sorted values: the smallest value with at
// least p percent of the values at or below it. It is one of the values, never an
// interpolation, so a store holding the same values gives exactly the same answer.
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Summarise gives the Stats of unsorted values.
func Summarise(values []float64) Stats {
	s := slices.Clone(values)
	slices.Sort(s)
	if len(s) == 0 {
		return Stats{}
	}
	return Stats{Count: len(s), P50: Percentile(s, 50), P95: Percentile(s, 95), Max: s[len(s)-1]}
}

// truth summarises the world as it stands.
func (s *sim) truth() Truth {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := Truth{Seed: s.w.Seed, Start: s.w.Start, End: s.now, Jobs: map[string]int{}, Runs: map[string]int{},
		RunsByEvent: map[string]int{}, NightlyFailures: map[string]map[string]int{}, Abandoned: map[string]int{}}
	queue, ungated, approvals := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
	manual := map[string][]float64{}
	sigs := map[*FailureConfig]*Signature{}
	sigRepos := map[*FailureConfig]map[*Repo]bool{}
	for _, j := range s.jobs {
		status, conclusion := jobStatus(j), j.Conclusion
		if j.Vanished {
			status, conclusion = "completed", "gone"
		}
		t.Jobs[statusKey(status, conclusion)]++
		t.forge(j.Run.Repo().Org.Forge).Jobs[statusKey(status, conclusion)]++
		key := s.labelKeyOf(j)
		// A GitLab job abandoned had entered 'pending': one cancelled while its earlier
		// stages held it never asked for a runner.
		abandoned := status == "completed" && j.RunnerName == "" && conclusion != "skipped" && (!j.Run.gitlab() || !j.Pending.IsZero())
		if abandoned {
			t.Abandoned[key]++
		}
		if j.Vanished || j.QueueCancelled {
			t.Fates = append(t.Fates, Fate{JobID: j.ID, LabelKey: key, Becomes: statusKey(status, conclusion), Abandoned: abandoned})
		}
		if q, ok := j.QueueTime(); ok {
			queue[key] = append(queue[key], q.Seconds())
			if !j.Gated || j.Run.gitlab() { // GitLab's queue never holds the manual wait
				ungated[key] = append(ungated[key], q.Seconds())
			}
		}
		if j.Gated && !j.Approved.IsZero() && !j.Run.gitlab() {
			approvals[key] = append(approvals[key], j.Approved.Sub(j.Created).Seconds())
		}
		if w, ok := gitlabManualWait(j); ok {
			manual[key] = append(manual[key], w.Seconds())
		}
		if f := j.Failure; f != nil && j.Conclusion == "failure" {
			sg := sigs[f]
			if sg == nil {
				sg = &Signature{Name: f.Name, Line: f.Log[0], FirstSeen: j.Completed}
				sigs[f], sigRepos[f] = sg, map[*Repo]bool{}
			}
			sg.Jobs++
			sigRepos[f][j.Run.Repo()] = true
			if j.Completed.Before(sg.FirstSeen) {
				sg.FirstSeen = j.Completed
			}
		}
		if pj := previousAttempt(j); pj != nil && pj.Failure == &flakyMode && j.Conclusion == "success" {
			t.Flaky = append(t.Flaky, FlakyJob{Repo: j.Run.Repo().FullName(), Workflow: j.Run.Workflow.Config.Name,
				Job: j.Name, RunID: j.Run.ID, SHA: j.Run.SHA})
		}
	}
	for _, r := range s.runs {
		t.Runs[statusKey(r.Status, r.Conclusion)]++
		ft := t.forge(r.Repo().Org.Forge)
		ft.Runs[statusKey(r.Status, r.Conclusion)]++
		if r.Attempt == 1 {
			t.RunsByEvent[storeEvent(r)]++
			ft.RunsByEvent[storeEvent(r)]++
		}
		if r.Event == "schedule" && s.runsByID[r.ID] == r && r.Conclusion == "failure" {
			day := r.Created.Format(time.DateOnly)
			if t.NightlyFailures[day] == nil {
				t.NightlyFailures[day] = map[string]int{}
			}
			t.NightlyFailures[day][r.Repo().FullName()]++
		}
	}
	t.QueueTime, t.QueueTimeUngated, t.Approvals = summariseAll(queue), summariseAll(ungated), summariseAll(approvals)
	t.ManualWaits = summariseAll(manual)
	t.addSteps(s.jobs)
	for f, sg := range sigs {
		sg.Repos = len(sigRepos[f])
		t.ErrorSignatures = append(t.ErrorSignatures, *sg)
	}
	sort.Slice(t.ErrorSignatures, func(a, b int) bool { return t.ErrorSignatures[a].Name < t.ErrorSignatures[b].Name })
	s.costTruth(&t)
	sort.Slice(t.Flaky, func(a, b int) bool {
		if t.Flaky[a].RunID != t.Flaky[b].RunID {
			return t.Flaky[a].RunID < t.Flaky[b].RunID
		}
		return t.Flaky[a].Job < t.Flaky[b].Job
	})
	return t
}

func statusKey(status, conclusion string) string {
	if conclusion == "" {
		return status
	}
	return status + "/" + conclusion
}

func summariseAll(m map[string][]float64) map[string]Stats {
	out := make(map[string]Stats, len(m))
	for k, v := range m {
		out[k] = Summarise(v)
	}
	return out
}

package store

import (
	"math"
	"slices"
	"time"
)

// Step is one step of a job, keyed by (job id, number); a job's steps are stored as one
// row of job_steps (migration 0037).
//
// A job's steps merge step by step on their number, with the same kind of rules as the job
// (highest status, earliest start, latest end, non-empty over empty), so any order of a
// job's deliveries, duplicates included, gives the same steps. A delivery that lists fewer
// steps than an earlier one takes nothing away.
type Step struct {
	Number      int64
	Name        string
	Status      string
	Conclusion  string
	StartedAt   *time.Time
	CompletedAt *time.Time
}

// Caps on a job's steps (docs/receiver.md). GitHub runs at most 1,000 steps in a job; a
// payload that lists more, or numbers past that, is absurd and is cut.
const (
	MaxSteps      = 1000 // steps kept per payload, the lowest numbers
	MaxStepNumber = math.MaxInt32
)

// stepStatusRank orders step statuses; a step's status only ever moves up. GitHub's steps
// go queued, in_progress, completed (some payloads say pending for queued).
var stepStatusRank = map[string]int{"pending": 1, "queued": 1, "in_progress": 3, "completed": 4}

func stepRank(status string) int { return stepStatusRank[status] }

// stepAfter orders the (status, conclusion) pairs of two versions of a step: the higher
// status wins, and between equal ones the greater conclusion, so the pair is a join.
func stepAfter(a, b *Step) bool {
	if ra, rb := stepRank(a.Status), stepRank(b.Status); ra != rb {
		return ra > rb
	}
	if a.Status != b.Status {
		return a.Status > b.Status
	}
	return a.Conclusion > b.Conclusion
}

// merge folds o into s (same number).
func (s *Step) merge(o *Step) {
	s.Name = joinStr(s.Name, o.Name)
	if stepAfter(o, s) {
		s.Status, s.Conclusion = o.Status, o.Conclusion
	}
	s.StartedAt = minTime(s.StartedAt, o.StartedAt)
	s.CompletedAt = maxTime(s.CompletedAt, o.CompletedAt)
}

// Duration is completed minus started, clamped at zero; nil until the step has both.
func (s *Step) Duration() *float64 {
	if s.StartedAt == nil || s.CompletedAt == nil {
		return nil
	}
	d := max(s.CompletedAt.Sub(*s.StartedAt), 0).Seconds()
	return &d
}

// Inconsistent reports a step that completed before it started.
func (s *Step) Inconsistent() bool {
	return s.StartedAt != nil && s.CompletedAt != nil && s.CompletedAt.Before(*s.StartedAt)
}

// mergeSteps returns the union of two step lists, each sorted by number, merging steps of
// the same number. It never writes into a or b (copies of a Job share their lists), and
// returns a itself when b adds nothing.
func mergeSteps(a, b []Step) []Step {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]Step, 0, max(len(a), len(b)))
	i, k := 0, 0
	for i < len(a) || k < len(b) {
		switch {
		case k == len(b) || (i < len(a) && a[i].Number < b[k].Number):
			out = append(out, a[i])
			i++
		case i == len(a) || b[k].Number < a[i].Number:
			out = append(out, b[k])
			k++
		default:
			s := a[i]
			s.merge(&b[k])
			out = append(out, s)
			i, k = i+1, k+1
		}
	}
	return out
}

// FailedStep is the name of the first step, by number, whose conclusion is failure: where
// the job failed. Empty when no step failed.
func (j *Job) FailedStep() string {
	for _, s := range j.Steps {
		if s.Conclusion == "failure" {
			return s.Name
		}
	}
	return ""
}

// PassedWithWarnings reports a job that succeeded while one of its steps failed: a step
// with continue-on-error. GitLab's counterpart is a job that failed under allow_failure:
// its pipeline passes "with warnings", and GitLab sends no steps.
func (j *Job) PassedWithWarnings() bool {
	if j.Forge == ForgeGitLab {
		return j.Status == "completed" && j.Conclusion == "failure" && j.AllowFailure
	}
	return j.Status == "completed" && j.Conclusion == "success" && j.FailedStep() != ""
}

// stepsFromPayload turns a payload's steps into a sorted, capped list, and reports whether
// the list was absurd: more than MaxSteps, a number missing, repeated or out of range, or
// times out of order or outside what a timestamptz holds. Gaps between numbers are not
// absurd: GitHub's own payloads skip the numbers of steps that did not run (8 to 14 in
// workflow_job.completed.1). An absurd list is flagged on
// the job and kept as far as it is sane; it never refuses the delivery.
func stepsFromPayload(ps []stepPayload) (steps []Step, flagged bool) {
	if len(ps) == 0 {
		return nil, false
	}
	steps = make([]Step, 0, min(len(ps), MaxSteps))
	for _, p := range ps {
		if p.Number < 1 || p.Number > MaxStepNumber {
			flagged = true
			continue
		}
		s := Step{Number: p.Number, Name: capText(p.Name, MaxNameLen), Status: capText(p.Status, MaxShortLen),
			Conclusion: capText(p.Conclusion, MaxShortLen), StartedAt: ts(p.StartedAt), CompletedAt: ts(p.CompletedAt)}
		if stepRank(s.Status) == 0 {
			s.Status = "queued" // as for jobs: an unknown status never hides a later one
		}
		for _, t := range []**time.Time{&s.StartedAt, &s.CompletedAt} {
			if storableTime("step time", *t) != nil {
				*t, flagged = nil, true
			}
		}
		flagged = flagged || s.Inconsistent()
		steps = append(steps, s)
	}
	slices.SortStableFunc(steps, func(a, b Step) int { return int(a.Number - b.Number) })
	merged := steps[:0]
	for _, s := range steps {
		if n := len(merged); n > 0 && merged[n-1].Number == s.Number {
			merged[n-1].merge(&s)
			flagged = true
			continue
		}
		merged = append(merged, s)
	}
	if len(merged) > MaxSteps {
		merged, flagged = merged[:MaxSteps], true
	}
	if len(merged) == 0 {
		return nil, flagged
	}
	return slices.Clip(merged), flagged
}

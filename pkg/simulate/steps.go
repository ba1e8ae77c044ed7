package simulate

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
)

// Step is one step of a simulated job, as GitHub reports it.
type Step struct {
	Number     int64
	Name       string
	Status     string // queued, in_progress, completed
	Conclusion string // success, failure, cancelled, skipped; "" until completed
	Started    time.Time
	Completed  time.Time
}

// WarningRate is the share of successful jobs whose "Upload coverage" step fails under
// continue-on-error: the job passes with warnings.
const WarningRate = 0.05

// setupFailRate is the share of failed jobs that fail at checkout rather than in the job's
// own command.
const setupFailRate = 0.1

// JobSteps are the steps of a job that a runner took, as GitHub lists them in its
// completed payload: set up, checkout, the language toolchain, the job's command (the
// "Run make" of its log, see Log), an upload of coverage, the post step of checkout and
// "Complete job". Durations are whole seconds that fill the job's run time exactly. A
// failed job fails at its command (or, for some, at checkout) and skips what follows but
// the post steps; a cancelled one is cancelled in its command. Everything derives from the
// job alone, so the payload, the fake API and the ground truth agree. Nil for a job no
// runner took, or one still running.
func JobSteps(j *Job) []Step {
	if j.RunnerName == "" || j.Started.IsZero() || j.Status != "completed" || j.Completed.Before(j.Started) {
		return nil
	}
	r := rand.New(rand.NewPCG(uint64(j.ID), 16))
	names := []string{"Set up job", "Run actions/checkout@v4", "Run actions/setup-go@v5",
		"Run make " + strings.Fields(j.Name + " job")[0], "Upload coverage", "Post Run actions/checkout@v4", "Complete job"}
	const command, upload = 3, 4
	// Fixed parts first (whole seconds, drawn), the command takes what is left.
	total := int(j.Completed.Sub(j.Started) / time.Second)
	fixed := []int{1 + r.IntN(3), 1 + r.IntN(5), 2 + r.IntN(19), 0, 1 + r.IntN(4), r.IntN(2), r.IntN(2)}
	for i := range fixed {
		fixed[i] = min(fixed[i], total)
		total -= fixed[i]
	}
	fixed[command] = total

	failAt := -1
	switch j.Conclusion {
	case "failure":
		failAt = command
		if r.Float64() < setupFailRate {
			failAt = 1
		}
	case "cancelled":
		failAt = command
	}
	warn := j.Conclusion == "success" && r.Float64() < WarningRate
	steps := make([]Step, len(names))
	t := j.Started
	for i, name := range names {
		s := Step{Number: int64(i + 1), Name: name, Status: "completed", Conclusion: "success", Started: t}
		switch {
		case failAt >= 0 && i == failAt:
			s.Conclusion = j.Conclusion
		case failAt >= 0 && i > failAt && i < len(names)-2:
			s.Conclusion = "skipped" // skipped steps take no time
			fixed[len(names)-1] += fixed[i]
			fixed[i] = 0
		case warn && i == upload:
			s.Conclusion = "failure" // continue-on-error: the job still passes
		}
		t = t.Add(time.Duration(fixed[i]) * time.Second)
		s.Completed = t
		steps[i] = s
	}
	return steps
}

// runningSteps are the steps of a job that has just started, as the in_progress payload
// lists them: the first in progress, the rest queued with no times.
func runningSteps(j *Job) []Step {
	return []Step{{Number: 1, Name: "Set up job", Status: "in_progress", Started: j.Started}}
}

// apiSteps renders steps as go-github's TaskStep.
func apiSteps(steps []Step) []*github.TaskStep {
	out := make([]*github.TaskStep, 0, len(steps))
	for _, s := range steps {
		step := &github.TaskStep{Name: ptr(s.Name), Status: ptr(s.Status), Number: ptr(s.Number), StartedAt: ts(s.Started)}
		if s.Status == "completed" {
			step.Conclusion, step.CompletedAt = ptr(s.Conclusion), ts(s.Completed)
		}
		out = append(out, step)
	}
	return out
}

// FailedStep is the name of the first step of j whose conclusion is failure, as the store
// derives it; "" when none failed.
func FailedStep(steps []Step) string {
	for _, s := range steps {
		if s.Conclusion == "failure" {
			return s.Name
		}
	}
	return ""
}

// StepKey names a step the way the steps query's duration series do.
func StepKey(workflow, job, step string) string { return workflow + " / " + job + " / " + step }

// addSteps fills the step figures of the truth from the jobs' final states.
func (t *Truth) addSteps(jobs []*Job) {
	durations := map[string][]float64{}
	t.FailedSteps = map[int64]string{}
	for _, j := range jobs {
		if j.Vanished {
			continue // the store holds it as gone, never as completed by GitHub
		}
		if j.Run.gitlab() {
			t.gitlabSteps(j)
			continue
		}
		steps := JobSteps(j)
		for _, s := range steps {
			k := StepKey(j.Run.Workflow.Config.Name, j.Name, s.Name)
			durations[k] = append(durations[k], s.Completed.Sub(s.Started).Seconds())
		}
		failed := FailedStep(steps)
		switch {
		case j.Status == "completed" && j.Conclusion == "failure":
			t.FailedSteps[j.ID] = failed
		case j.Status == "completed" && j.Conclusion == "success" && failed != "":
			t.PassedWithWarnings++
		}
	}
	t.StepDurations = summariseAll(durations)
}

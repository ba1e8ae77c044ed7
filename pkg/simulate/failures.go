package simulate

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// flakyMode is how a flaky job fails: a test that passes on the re-run of the same sha.
var flakyMode = FailureConfig{Name: "flaky-test", Log: []string{
	"--- FAIL: Test{word}Concurrent ({n}.{n}s)",
	"    {file}:{n}: timed out waiting for condition after {n}ms",
	"FAIL\tgithub.com/{org}/{repo}/pkg/{word}\t{n}.{n}s"}}

// decideFailure decides, when a job starts, whether and how it will fail. A re-run repeats
// the failure of a real bug and clears a flaky one.
func (s *sim) decideFailure(j *Job) {
	cfg := s.w.Config
	run := j.Run
	if prev := previousAttempt(j); prev != nil && prev.Failure != nil && prev.Failure != &flakyMode {
		j.Failure = prev.Failure
	} else if run.Attempt == 1 && s.r.chance(j.Spec.Flaky) {
		j.Failure = &flakyMode
	} else if ne := cfg.NewError; ne != nil && run.Repo().NewError &&
		!s.now.Before(s.w.Start.Add(time.Duration(ne.StartDay)*24*time.Hour)) && s.r.chance(ne.Rate) {
		j.Failure = &ne.FailureConfig
	} else if s.r.chance(cfg.FailureRate) {
		weights := make([]float64, len(cfg.Failures))
		for i, f := range cfg.Failures {
			weights[i] = f.Weight
		}
		j.Failure = &s.w.Config.Failures[s.r.weighted(weights)]
	}
	if f := j.Failure; f != nil {
		if f.Minutes > 0 {
			j.duration = time.Duration(f.Minutes * float64(time.Minute))
		} else {
			j.duration = max(time.Duration(float64(j.duration)*s.r.between(0.2, 1)).Truncate(time.Second), time.Second)
		}
	}
}

func previousAttempt(j *Job) *Job {
	if j.Run.Prev == nil {
		return nil
	}
	for _, pj := range j.Run.Prev.Jobs {
		if pj.Name == j.Name {
			return pj
		}
	}
	return nil
}

func flakyFailure(run *Run) bool {
	for _, j := range run.Jobs {
		if j.Failure == &flakyMode {
			return true
		}
	}
	return false
}

// Log renders a job's log: some ordinary steps, then, for a failed job, its failure
// mode's lines with fresh numbers, paths and ids, so that signature extraction has
// something to normalise. The text depends only on the job, so every read gives the same.
func Log(j *Job) string {
	r := rand.New(rand.NewPCG(uint64(j.ID), 7))
	var b strings.Builder
	t := j.Started
	line := func(s string) {
		fmt.Fprintf(&b, "%s %s\n", t.Format("2006-01-02T15:04:05.0000000Z"), s)
		t = t.Add(time.Duration(r.IntN(4000)) * time.Millisecond)
	}
	line("Current runner version: '2.319.1'")
	line("Runner name: '" + j.RunnerName + "'")
	line("Runner group name: '" + j.RunnerGroupName + "'")
	line("##[group]Run actions/checkout@v4")
	line("Syncing repository: " + j.Run.Repo().FullName())
	line("##[endgroup]")
	line("##[group]Run make " + strings.Fields(j.Name)[0])
	if j.Failure == nil {
		line("ok  \tgithub.com/" + j.Run.Repo().FullName() + "\t" + fmt.Sprint(r.IntN(90)) + ".1s")
		line("##[endgroup]")
		line("Cleaning up orphan processes")
		return b.String()
	}
	for _, tpl := range j.Failure.Log {
		line(fill(tpl, j, r))
	}
	line("##[error]Process completed with exit code 1.")
	return b.String()
}

// fill replaces a log template's placeholders: {n} a number, {word} a word, {file} a
// source path, {sha} a commit, {ip} an address, {time} a timestamp, {org}, {repo} and
// {runner} from the job.
func fill(tpl string, j *Job, r *rand.Rand) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tpl, '{')
		k := strings.IndexByte(tpl[max(i, 0):], '}')
		if i < 0 || k < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		b.WriteString(tpl[:i])
		b.WriteString(placeholder(tpl[i+1:i+k], j, r))
		tpl = tpl[i+k+1:]
	}
}

var logWords = []string{"Cache", "Ledger", "Retry", "Parser", "Queue", "Token", "Stream", "Index", "Shard", "Client"}

func placeholder(name string, j *Job, r *rand.Rand) string {
	switch name {
	case "n":
		return fmt.Sprint(r.IntN(1000))
	case "word":
		return logWords[r.IntN(len(logWords))]
	case "file":
		return fmt.Sprintf("pkg/%s/%s_test.go", strings.ToLower(logWords[r.IntN(len(logWords))]), strings.ToLower(logWords[r.IntN(len(logWords))]))
	case "sha":
		return fmt.Sprintf("%016x%08x", r.Uint64(), r.Uint32())
	case "ip":
		return fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254))
	case "time":
		return j.Started.Add(time.Duration(r.IntN(3600)) * time.Second).Format(time.RFC3339)
	case "org":
		return j.Run.Repo().Org.Name
	case "repo":
		return j.Run.Repo().Name
	case "runner":
		return j.RunnerName
	}
	return "{" + name + "}"
}

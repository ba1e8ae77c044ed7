package store

import (
	"strings"
	"unicode/utf8"
)

// Caps on projected fields. The raw payload is always kept whole; only the copy in the
// projection is cut, so a hostile or broken payload cannot make one row (and every index
// and rollup that holds its names) arbitrarily large. Each cap is far above anything GitHub
// sends: a repository's full name is at most 140 bytes, a branch 255, a runner label 256.
// docs/receiver.md lists them.
const (
	MaxLabels    = 100  // runner labels kept per job
	MaxLabelLen  = 256  // bytes per label
	MaxNameLen   = 1024 // repository, workflow, job, runner and actor names, branches, titles
	MaxURLLen    = 2048 // html_url, run_url
	MaxShortLen  = 64   // status, conclusion, trigger event, head SHA
	MaxPullCount = 100  // pull requests kept per run
)

// capText cuts s to at most n bytes without splitting a character, and makes it valid
// UTF-8 without NUL, which a text column refuses.
func capText(s string, n int) string {
	s = clean(s)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// capJob applies the caps to a job's projected fields.
func capJob(j *Job) {
	for _, f := range []*string{&j.Org, &j.Repo, &j.WorkflowName, &j.JobName, &j.HeadBranch, &j.RunnerName, &j.RunnerGroupName} {
		*f = capText(*f, MaxNameLen)
	}
	for _, f := range []*string{&j.HTMLURL, &j.RunURL} {
		*f = capText(*f, MaxURLLen)
	}
	for _, f := range []*string{&j.Status, &j.Conclusion, &j.HeadSHA} {
		*f = capText(*f, MaxShortLen)
	}
	changed := len(j.Labels) > MaxLabels
	if changed {
		j.Labels = j.Labels[:MaxLabels]
	}
	for i, l := range j.Labels {
		if c := capText(l, MaxLabelLen); c != l {
			j.Labels[i], changed = c, true
		}
	}
	if changed {
		j.LabelKey = labelKey(j.Labels)
	}
}

// capRun applies the caps to a run's projected fields.
func capRun(r *Run) {
	for _, f := range []*string{&r.Org, &r.Repo, &r.WorkflowName, &r.DisplayTitle, &r.Actor, &r.TriggeringActor, &r.HeadBranch, &r.DefaultBranch} {
		*f = capText(*f, MaxNameLen)
	}
	r.HTMLURL = capText(r.HTMLURL, MaxURLLen)
	for _, f := range []*string{&r.Status, &r.Conclusion, &r.Event, &r.HeadSHA} {
		*f = capText(*f, MaxShortLen)
	}
	if len(r.PullRequests) > MaxPullCount {
		r.PullRequests = r.PullRequests[:MaxPullCount]
	}
}

package store

import (
	"strings"
	"time"
)

// Job is one row of workflow_jobs.
//
// Rows merge with Merge, which is commutative, associative and idempotent: every field is
// combined by a rule that does not depend on arrival order (highest status, earliest
// creation, non-empty over empty, a fixed tie-break). That is what makes any permutation of
// a job's events, duplicates included, project to the same row. CI Radar's own closures
// (expired, gone) merge the same way, ranked below a real completion (closure.go).
type Job struct {
	JobID      int64
	RunID      int64
	RunAttempt int64
	Org        string
	Repo       string
	RepoID     int64
	// RepoVisibility is 'public', 'private', 'internal' or '' (unsaid): cost depends on it.
	RepoVisibility  string
	WorkflowName    string
	JobName         string
	HeadBranch      string
	HeadSHA         string
	Labels          []string
	LabelKey        string
	RunnerID        *int64
	RunnerName      string
	RunnerGroupID   *int64
	RunnerGroupName string
	Status          string
	Conclusion      string
	// ClosedBy says who completed the job: ClosedGitHub for a real completed event, or a
	// synthetic closure (ClosedExpired, ClosedGone) that CI Radar made (closure.go).
	ClosedBy      string
	CreatedAt     *time.Time
	StartedAt     *time.Time
	CompletedAt   *time.Time
	WaitingSince  *time.Time // first receipt of a 'waiting' event
	WaitingLastAt *time.Time // last receipt of a 'waiting' event
	QueuedLastAt  *time.Time // last receipt of a 'queued' event
	HTMLURL       string
	RunURL        string
	FirstSeenAt   time.Time
	LastSeenAt    time.Time
	// Steps are the job's steps, sorted by number (step.go); StepsFlagged says a payload's
	// step list was absurd and was capped.
	Steps        []Step
	StepsFlagged bool
	// Forge (0025): which forge and instance the job ran on; (JobID, Forge) is the row's key.
	// The rest is GitLab's (gitlab_projection.go): empty, false or nil for GitHub.
	Forge         string
	ForgeURL      string
	Stage         string
	AllowFailure  bool
	QueuedAt      *time.Time // entered 'pending': started_at minus queued_duration
	ManualSince   *time.Time // first receipt of a 'manual' hook: waiting for a person
	FailureReason string
}

// jobStatusRank orders job statuses; a job's status only ever moves up.
// 'created' is GitLab's job that does not yet ask for a runner (its earlier stages, a
// resource group or a delay hold it): it ranks below queued, and GitHub never sends it.
var jobStatusRank = map[string]int{"created": 1, "queued": 2, "waiting": 3, "in_progress": 4, "completed": 5}

func jobRank(status string) int { return jobStatusRank[status] }

func jobFromEvent(ev *jobEnvelope, received time.Time) *Job {
	wj := ev.WorkflowJob
	status := wj.Status
	if jobRank(status) == 0 {
		// An unknown status (GitHub adds some from time to time) counts as queued, the
		// lowest rank, so it can never hide a later state.
		status = "queued"
	}
	j := &Job{
		JobID:          wj.ID,
		RunID:          wj.RunID,
		RunAttempt:     wj.RunAttempt,
		Org:            orgOf(ev.Org, ev.Repo),
		Repo:           clean(ev.Repo.FullName),
		RepoID:         ev.Repo.ID,
		RepoVisibility: ev.Repo.visibility(),
		WorkflowName:   clean(wj.WorkflowName),
		JobName:        clean(wj.Name),
		HeadBranch:     clean(wj.HeadBranch),
		HeadSHA:        clean(wj.HeadSHA),
		Status:         status,
		CreatedAt:      ts(wj.CreatedAt),
		HTMLURL:        clean(wj.HTMLURL),
		RunURL:         clean(wj.RunURL),
		FirstSeenAt:    received.UTC(),
		LastSeenAt:     received.UTC(),
	}
	for _, l := range wj.Labels {
		j.Labels = append(j.Labels, clean(l))
	}
	j.LabelKey = labelKey(j.Labels)
	j.Steps, j.StepsFlagged = stepsFromPayload(wj.Steps)
	rt := received.UTC()
	switch status {
	case "waiting":
		j.WaitingSince, j.WaitingLastAt = &rt, &rt
	case "queued":
		j.QueuedLastAt = &rt
	}
	// Queued and waiting payloads carry started_at equal to created_at and sometimes a
	// runner name that is not the one that will run the job; only a running or finished
	// job's started_at and runner are real.
	if jobRank(status) >= jobRank("in_progress") {
		j.StartedAt = ts(wj.StartedAt)
		j.RunnerID = wj.RunnerID
		j.RunnerName = clean(wj.RunnerName)
		j.RunnerGroupID = wj.RunnerGroupID
		j.RunnerGroupName = clean(wj.RunnerGroupName)
	}
	if status == "completed" {
		j.CompletedAt = ts(wj.CompletedAt)
		j.Conclusion = clean(wj.Conclusion)
		j.ClosedBy = ClosedGitHub
	}
	return j
}

// Merge folds other into j. The result does not depend on the order of merges.
func (j *Job) Merge(o *Job) {
	j.RunID = maxInt(j.RunID, o.RunID)
	j.RunAttempt = maxInt(j.RunAttempt, o.RunAttempt)
	j.Org = joinStr(j.Org, o.Org)
	j.Repo = joinStr(j.Repo, o.Repo)
	j.RepoID = maxInt(j.RepoID, o.RepoID)
	j.RepoVisibility = narrowerVisibility(j.RepoVisibility, o.RepoVisibility)
	j.WorkflowName = joinStr(j.WorkflowName, o.WorkflowName)
	j.JobName = joinStr(j.JobName, o.JobName)
	j.HeadBranch = joinStr(j.HeadBranch, o.HeadBranch)
	j.HeadSHA = joinStr(j.HeadSHA, o.HeadSHA)
	if labelsAfter(o, j) {
		j.Labels, j.LabelKey = o.Labels, o.LabelKey
	}
	if runnerAfter(o, j) {
		j.RunnerID, j.RunnerName, j.RunnerGroupID, j.RunnerGroupName = o.RunnerID, o.RunnerName, o.RunnerGroupID, o.RunnerGroupName
	}
	if jobRank(o.Status) > jobRank(j.Status) {
		j.Status = o.Status
	}
	j.mergeClosure(o)
	j.CreatedAt = minTime(j.CreatedAt, o.CreatedAt)
	j.StartedAt = minTime(j.StartedAt, o.StartedAt)
	j.WaitingSince = minTime(j.WaitingSince, o.WaitingSince)
	j.WaitingLastAt = maxTime(j.WaitingLastAt, o.WaitingLastAt)
	j.QueuedLastAt = maxTime(j.QueuedLastAt, o.QueuedLastAt)
	j.HTMLURL = joinStr(j.HTMLURL, o.HTMLURL)
	j.RunURL = joinStr(j.RunURL, o.RunURL)
	widenSeen(&j.FirstSeenAt, &j.LastSeenAt, o.FirstSeenAt, o.LastSeenAt)
	j.Steps = mergeSteps(j.Steps, o.Steps)
	j.StepsFlagged = j.StepsFlagged || o.StepsFlagged
	j.mergeForge(o)
}

// labelsAfter orders label lists: by their sorted key, then length, then as written.
func labelsAfter(a, b *Job) bool {
	if a.LabelKey != b.LabelKey {
		return a.LabelKey > b.LabelKey
	}
	if len(a.Labels) != len(b.Labels) {
		return len(a.Labels) > len(b.Labels)
	}
	return strings.Join(a.Labels, "\x00") > strings.Join(b.Labels, "\x00")
}

// runnerAfter orders runner assignments: a named runner beats none, then the larger id,
// then the greater name. Only running and finished events carry one, so in practice this
// picks the one runner the job ran on.
func runnerAfter(a, b *Job) bool {
	if (a.RunnerName != "") != (b.RunnerName != "") {
		return a.RunnerName != ""
	}
	ai, bi := derefInt(a.RunnerID), derefInt(b.RunnerID)
	if ai != bi {
		return ai > bi
	}
	if a.RunnerName != b.RunnerName {
		return a.RunnerName > b.RunnerName
	}
	if derefInt(a.RunnerGroupID) != derefInt(b.RunnerGroupID) {
		return derefInt(a.RunnerGroupID) > derefInt(b.RunnerGroupID)
	}
	return a.RunnerGroupName > b.RunnerGroupName
}

// ApprovedAt is when the job left an environment approval: the last 'queued' receipt that
// came after the last 'waiting' receipt. Nil when the job never waited, or is still waiting.
func (j *Job) ApprovedAt() *time.Time {
	if j.WaitingLastAt == nil || j.QueuedLastAt == nil || !j.QueuedLastAt.After(*j.WaitingLastAt) {
		return nil
	}
	return j.QueuedLastAt
}

// ApprovalWait is the time spent waiting for an environment approval. It ends at the
// approval, or at the start when no requeue was seen; it is never negative and never longer
// than the whole wait from creation to start.
func (j *Job) ApprovalWait() time.Duration {
	if j.WaitingSince == nil {
		return 0
	}
	end := j.ApprovedAt()
	if end == nil {
		end = j.StartedAt
	}
	if end == nil {
		return 0
	}
	w := end.Sub(*j.WaitingSince)
	if j.StartedAt != nil && j.CreatedAt != nil {
		w = min(w, j.StartedAt.Sub(*j.CreatedAt))
	}
	return max(w, 0)
}

// QueueSeconds is the time the job waited for a runner: created (or approved) to started,
// approval excluded. Nil until a runner has taken the job.
func (j *Job) QueueSeconds() *float64 {
	if j.Forge == ForgeGitLab {
		return j.gitlabQueueSeconds()
	}
	if j.StartedAt == nil || j.CreatedAt == nil || j.RunnerName == "" {
		return nil
	}
	q := j.StartedAt.Sub(*j.CreatedAt) - j.ApprovalWait()
	s := max(q, 0).Seconds()
	return &s
}

package store

import (
	"slices"
	"time"
)

// Run is one row of workflow_runs: one attempt of one workflow run. It merges like Job.
type Run struct {
	RunID           int64
	RunAttempt      int64
	Org             string
	Repo            string
	RepoID          int64
	WorkflowID      int64
	WorkflowName    string
	DisplayTitle    string
	RunNumber       int64
	Event           string
	Actor           string
	TriggeringActor string
	Status          string
	Conclusion      string
	HeadBranch      string
	HeadSHA         string
	DefaultBranch   string
	// RepoVisibility is public, private or internal ('' when the events did not say).
	RepoVisibility string
	PullRequests   []int32
	CreatedAt      *time.Time
	RunStartedAt   *time.Time
	UpdatedAt      *time.Time
	HTMLURL        string
	FirstSeenAt    time.Time
	LastSeenAt     time.Time
	// Forge (0025): (RunID, RunAttempt, Forge) is the row's key.
	Forge    string
	ForgeURL string
}

// runStatusRank orders run statuses. GitHub reports requested, pending, queued, waiting,
// action_required, in_progress and completed.
var runStatusRank = map[string]int{
	"requested": 1, "pending": 2, "queued": 3, "waiting": 4, "action_required": 4, "in_progress": 5, "completed": 6,
}

func runRank(status string) int { return runStatusRank[status] }

func runFromEvent(ev *runEnvelope, received time.Time) *Run {
	wr := ev.WorkflowRun
	attempt := int64(wr.GetRunAttempt())
	if attempt == 0 {
		attempt = 1
	}
	name := wr.GetName()
	if name == "" {
		name = ev.Workflow.Name
	}
	r := &Run{
		RunID:           wr.GetID(),
		RunAttempt:      attempt,
		Org:             orgOf(ev.Org, ev.Repo),
		Repo:            clean(ev.Repo.FullName),
		RepoID:          ev.Repo.ID,
		WorkflowID:      wr.GetWorkflowID(),
		WorkflowName:    clean(name),
		DisplayTitle:    clean(wr.GetDisplayTitle()),
		RunNumber:       int64(wr.GetRunNumber()),
		Event:           clean(wr.GetEvent()),
		Actor:           clean(wr.GetActor().GetLogin()),
		TriggeringActor: clean(wr.GetTriggeringActor().GetLogin()),
		Status:          clean(wr.GetStatus()),
		HeadBranch:      clean(wr.GetHeadBranch()),
		HeadSHA:         clean(wr.GetHeadSHA()),
		DefaultBranch:   clean(ev.Repo.DefaultBranch),
		RepoVisibility:  ev.Repo.visibility(),
		CreatedAt:       ts(wr.CreatedAt),
		RunStartedAt:    ts(wr.RunStartedAt),
		UpdatedAt:       ts(wr.UpdatedAt),
		HTMLURL:         clean(wr.GetHTMLURL()),
		FirstSeenAt:     received.UTC(),
		LastSeenAt:      received.UTC(),
	}
	if r.Status == "completed" {
		r.Conclusion = clean(wr.GetConclusion())
	}
	for _, pr := range wr.PullRequests {
		if n := pr.GetNumber(); n != 0 {
			r.PullRequests = append(r.PullRequests, int32(n))
		}
	}
	slices.Sort(r.PullRequests)
	return r
}

// Merge folds other into r. The result does not depend on the order of merges.
func (r *Run) Merge(o *Run) {
	r.Org = joinStr(r.Org, o.Org)
	r.Repo = joinStr(r.Repo, o.Repo)
	r.RepoID = maxInt(r.RepoID, o.RepoID)
	r.WorkflowID = maxInt(r.WorkflowID, o.WorkflowID)
	r.WorkflowName = joinStr(r.WorkflowName, o.WorkflowName)
	r.DisplayTitle = joinStr(r.DisplayTitle, o.DisplayTitle)
	r.RunNumber = maxInt(r.RunNumber, o.RunNumber)
	r.Event = joinStr(r.Event, o.Event)
	r.Actor = joinStr(r.Actor, o.Actor)
	r.TriggeringActor = joinStr(r.TriggeringActor, o.TriggeringActor)
	if runRank(o.Status) > runRank(r.Status) || (runRank(o.Status) == runRank(r.Status) && o.Status > r.Status) {
		r.Status = o.Status
	}
	r.Conclusion = joinStr(r.Conclusion, o.Conclusion)
	r.HeadBranch = joinStr(r.HeadBranch, o.HeadBranch)
	r.HeadSHA = joinStr(r.HeadSHA, o.HeadSHA)
	r.DefaultBranch = joinStr(r.DefaultBranch, o.DefaultBranch)
	r.RepoVisibility = narrowerVisibility(r.RepoVisibility, o.RepoVisibility)
	// Pull requests only ever get attached to a run, so the union is the truth.
	r.PullRequests = unionSorted(r.PullRequests, o.PullRequests)
	r.CreatedAt = minTime(r.CreatedAt, o.CreatedAt)
	r.RunStartedAt = minTime(r.RunStartedAt, o.RunStartedAt)
	r.UpdatedAt = maxTime(r.UpdatedAt, o.UpdatedAt)
	r.HTMLURL = joinStr(r.HTMLURL, o.HTMLURL)
	widenSeen(&r.FirstSeenAt, &r.LastSeenAt, o.FirstSeenAt, o.LastSeenAt)
	r.Forge = joinStr(r.Forge, o.Forge)
	r.ForgeURL = joinStr(r.ForgeURL, o.ForgeURL)
}

func unionSorted(a, b []int32) []int32 {
	if len(b) == 0 {
		return a
	}
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// visibilityRank orders visibilities from the least to the most restricted.
var visibilityRank = map[string]int{"": 0, "public": 1, "internal": 2, "private": 3}

// narrowerVisibility keeps the more restricted of two: when a run's or a job's events
// disagree (the repository changed visibility while it ran), nothing is taken for public
// that might not be, and a job is billed as GitHub bills it. It is commutative and associative, so merges stay order-free.
func narrowerVisibility(a, b string) string {
	ra, rb := visibilityRank[a], visibilityRank[b]
	if rb > ra || (rb == ra && b > a) {
		return b
	}
	return a
}

package simulate

import "time"

// Run is one attempt of one workflow run.
type Run struct {
	ID         int64
	Attempt    int
	Number     int
	Workflow   *Workflow
	Event      string // push, pull_request, schedule, workflow_dispatch
	Branch     string
	SHA        string
	Actor      string
	PR         int
	Status     string // queued, in_progress, completed
	Conclusion string // success, failure, cancelled
	Created    time.Time
	Started    time.Time // run_started_at: this attempt's start
	Updated    time.Time
	Jobs       []*Job
	Prev       *Run // the attempt before, for re-runs
	stage      int
}

// Repo is the run's repository.
func (r *Run) Repo() *Repo { return r.Workflow.Repo }

// Job is one job of one run attempt.
type Job struct {
	ID              int64
	Run             *Run
	Name            string
	Spec            *JobSpec
	Pool            *Pool
	Status          string // waiting, queued, in_progress, completed
	Conclusion      string
	Created         time.Time
	Started         time.Time
	Completed       time.Time
	Gated           bool      // waited for an environment approval
	Approved        time.Time // when the approval came
	RunnerID        int64
	RunnerName      string
	RunnerGroupID   int64
	RunnerGroupName string
	Failure         *FailureConfig // why it failed, when it did
	Vanished        bool           // GitHub forgot it after its queued event (VanishRate)
	QueueCancelled  bool           // its run was cancelled while it waited (QueueCancelRate)
	runner          *Runner
	duration        time.Duration
	// GitLab (gitlablife.go): the stage the job belongs to (GitLab creates every job with
	// its pipeline), when it entered 'pending' (its queue starts there) and when it became
	// 'manual' (a job that waits for a person to play it).
	stage   int
	Pending time.Time
	Manual  time.Time
}

// QueueTime is the job's true wait for a runner: from creation, or from its approval, to
// its start. ok is false for jobs no runner ever took.
func (j *Job) QueueTime() (d time.Duration, ok bool) {
	if j.RunnerName == "" || j.Started.IsZero() {
		return 0, false
	}
	from := j.Created
	if j.Gated {
		from = j.Approved
	}
	if j.Run.gitlab() {
		from = j.Pending // GitLab's queued_duration: from entering 'pending'
	}
	return j.Started.Sub(from), true
}

// Event is one change GitHub would send a webhook for. Job and Run are snapshots taken
// when it happened.
type Event struct {
	Seq    int64
	At     time.Time
	Kind   string // workflow_job or workflow_run
	Action string
	Org    *Org
	Job    *Job
	Run    *Run
}

func (s *sim) emitJob(j *Job, action string) {
	snap := *j
	snap.runner = nil
	s.out = append(s.out, Event{At: s.now, Kind: "workflow_job", Action: action, Org: j.Pool.Org, Job: &snap, Run: j.Run})
}

func (s *sim) emitRun(r *Run, action string) {
	snap := *r
	snap.Jobs = nil
	if r.gitlab() {
		snap.Jobs = snapJobs(r.Jobs) // a Pipeline Hook lists the pipeline's jobs
	}
	s.out = append(s.out, Event{At: s.now, Kind: "workflow_run", Action: action, Org: r.Repo().Org, Run: &snap})
}

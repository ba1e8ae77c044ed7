package store

import (
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// ErrUnstorable marks a delivery that parsed but holds something Postgres would refuse:
// text that is not UTF-8, an id out of its column's range, a timestamp past what a
// timestamptz holds. Like ErrMalformed it is the sender's fault (400), never a reason to
// retry; it is found before the commit, so it never fails the batch it would have joined.
var ErrUnstorable = errors.New("unstorable delivery")

// Lengths of the delivery's own identifiers, which come from request headers. GitHub's are
// a UUID (36), an event name (under 40) and a target type (under 20).
const (
	maxDeliveryIDLen = 128
	maxEventLen      = 64
	maxTargetLen     = 64
)

// Timestamps outside these years are refused: Postgres' timestamptz ends in 294276 AD, and
// go-github's Timestamp also takes a number of Unix seconds, so a payload can name any
// instant an int64 holds. Nothing CI Radar records happened before 1970 or after 9999.
var (
	minStorableTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxStorableTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// ValidateDelivery checks the parts of a delivery that come from its headers.
func ValidateDelivery(d Delivery) error {
	var errs []error
	errs = append(errs, headerText("X-GitHub-Delivery", d.ID, maxDeliveryIDLen, true))
	errs = append(errs, headerText("X-GitHub-Event", d.Event, maxEventLen, true))
	errs = append(errs, headerText("X-GitHub-Hook-Installation-Target-Type", d.TargetType, maxTargetLen, false))
	if d.HookID < 0 {
		errs = append(errs, fmt.Errorf("X-GitHub-Hook-ID is negative (%d)", d.HookID))
	}
	if d.TargetID < 0 {
		errs = append(errs, fmt.Errorf("X-GitHub-Hook-Installation-Target-ID is negative (%d)", d.TargetID))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrUnstorable, err)
	}
	return nil
}

// headerText refuses what a text column cannot hold (NUL, invalid UTF-8) and what no
// GitHub header carries (other control characters, unbounded lengths).
func headerText(name, v string, maxLen int, required bool) error {
	switch {
	case v == "" && required:
		return fmt.Errorf("%s is missing", name)
	case len(v) > maxLen:
		return fmt.Errorf("%s is %d bytes, over %d", name, len(v), maxLen)
	case !utf8.ValidString(v):
		return fmt.Errorf("%s is not valid UTF-8", name)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%s holds a control character", name)
		}
	}
	return nil
}

// validateJob checks a job's numbers and times against their columns.
func validateJob(j *Job) error {
	errs := []error{
		positive("workflow_job.id", j.JobID),
		inRange("workflow_job.run_id", j.RunID, 0, math.MaxInt64),
		inRange("workflow_job.run_attempt", j.RunAttempt, 0, math.MaxInt32),
		inRange("repository.id", j.RepoID, 0, math.MaxInt64),
		optionalID("workflow_job.runner_id", j.RunnerID),
		optionalID("workflow_job.runner_group_id", j.RunnerGroupID),
		storableTime("workflow_job.created_at", j.CreatedAt),
		storableTime("workflow_job.started_at", j.StartedAt),
		storableTime("workflow_job.completed_at", j.CompletedAt),
	}
	return joinUnstorable(errs)
}

// validateRun checks a run's numbers and times against their columns.
func validateRun(r *Run) error {
	errs := []error{
		positive("workflow_run.id", r.RunID),
		inRange("workflow_run.run_attempt", r.RunAttempt, 1, math.MaxInt32),
		inRange("workflow_run.run_number", r.RunNumber, 0, math.MaxInt32),
		inRange("workflow_run.workflow_id", r.WorkflowID, 0, math.MaxInt64),
		inRange("repository.id", r.RepoID, 0, math.MaxInt64),
		storableTime("workflow_run.created_at", r.CreatedAt),
		storableTime("workflow_run.run_started_at", r.RunStartedAt),
		storableTime("workflow_run.updated_at", r.UpdatedAt),
	}
	return joinUnstorable(errs)
}

// validatePullNumbers checks pull request numbers before they are narrowed to the
// integer[] column (a plain conversion would wrap a larger number into a wrong one).
func validatePullNumbers(numbers []int) error {
	for _, n := range numbers {
		if err := inRange("workflow_run.pull_requests[].number", int64(n), 0, math.MaxInt32); err != nil {
			return joinUnstorable([]error{err})
		}
	}
	return nil
}

func joinUnstorable(errs []error) error {
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrUnstorable, err)
	}
	return nil
}

func positive(name string, v int64) error {
	if v <= 0 {
		return fmt.Errorf("%s must be positive, got %d", name, v)
	}
	return nil
}

func inRange(name string, v, lo, hi int64) error {
	if v < lo || v > hi {
		return fmt.Errorf("%s is %d, outside %d..%d", name, v, lo, hi)
	}
	return nil
}

func optionalID(name string, v *int64) error {
	if v == nil {
		return nil
	}
	return inRange(name, *v, 0, math.MaxInt64)
}

func storableTime(name string, t *time.Time) error {
	if t == nil || (!t.Before(minStorableTime) && !t.After(maxStorableTime)) {
		return nil
	}
	return fmt.Errorf("%s (%s) is outside the years 1970..9999", name, t.Format(time.RFC3339))
}

package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
)

// Projection is what one delivery contributes to the projected tables. Events that CI Radar
// does not project give an empty Projection.
type Projection struct {
	Action string // the payload's top-level "action", when it has one
	Job    *Job
	Run    *Run
}

// ErrMalformed marks a payload that is not valid JSON, or not the shape its event promises.
var ErrMalformed = errors.New("malformed payload")

// Project parses a delivery's payload with go-github's types and returns its projection.
// It is the single parser for live ingest and for Reproject.
func Project(d Delivery) (Projection, error) {
	switch d.Event {
	case "workflow_job":
		var ev github.WorkflowJobEvent
		if err := json.Unmarshal(d.Payload, &ev); err != nil {
			return Projection{}, fmt.Errorf("%w: workflow_job: %v", ErrMalformed, err)
		}
		if ev.WorkflowJob == nil || ev.WorkflowJob.GetID() == 0 {
			return Projection{}, fmt.Errorf("%w: workflow_job without workflow_job.id", ErrMalformed)
		}
		return Projection{Action: ev.GetAction(), Job: jobFromEvent(&ev, d.ReceivedAt)}, nil
	case "workflow_run":
		var ev github.WorkflowRunEvent
		if err := json.Unmarshal(d.Payload, &ev); err != nil {
			return Projection{}, fmt.Errorf("%w: workflow_run: %v", ErrMalformed, err)
		}
		if ev.WorkflowRun == nil || ev.WorkflowRun.GetID() == 0 {
			return Projection{}, fmt.Errorf("%w: workflow_run without workflow_run.id", ErrMalformed)
		}
		return Projection{Action: ev.GetAction(), Run: runFromEvent(&ev, d.ReceivedAt)}, nil
	default:
		// Not projected, but still checked: the raw log holds only well-formed JSON.
		var head struct {
			Action string `json:"action"`
		}
		if err := json.Unmarshal(d.Payload, &head); err != nil {
			return Projection{}, fmt.Errorf("%w: %s: %v", ErrMalformed, d.Event, err)
		}
		return Projection{Action: head.Action}, nil
	}
}

// clean makes a payload string safe for a Postgres text column, which cannot hold NUL.
// encoding/json already replaced invalid UTF-8.
func clean(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}

func ts(t *github.Timestamp) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	v := t.UTC()
	return &v
}

func orgOf(org *github.Organization, repo *github.Repository) string {
	if l := org.GetLogin(); l != "" {
		return clean(l)
	}
	return clean(repo.GetOwner().GetLogin())
}

// labelKey is the runner pool a job asked for: its labels sorted and joined.
func labelKey(labels []string) string {
	s := slices.Clone(labels)
	slices.Sort(s)
	return strings.Join(s, ",")
}

package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-github/v62/github"
)

// decodeOptions make the v2 decoder as forgiving as encoding/json: GitHub's payloads are
// trusted once signed, and a stray invalid byte should not lose a delivery. The v2 decoder
// (encoding/json/v2, stable from Go 1.27; this module mirrors it) parses a delivery in about
// half the time of encoding/json, which is most of the receiver's CPU.
var decodeOptions = jsonv2.JoinOptions(
	jsontext.AllowInvalidUTF8(true),
	jsontext.AllowDuplicateNames(true),
)

func decode(payload []byte, v any) error { return jsonv2.Unmarshal(payload, v, decodeOptions) }

// Projection is what one delivery contributes to the projected tables. Events that CI Radar
// does not project give an empty Projection.
type Projection struct {
	Action string // the payload's top-level "action", when it has one
	Job    *Job
	Run    *Run
	// Jobs are the further jobs one delivery carries: a GitLab Pipeline Hook's builds,
	// already checked to be storable. They merge like Job.
	Jobs []*Job
}

// jobs is every job row the projection contributes.
func (p Projection) jobs() []*Job {
	if p.Job == nil {
		return p.Jobs
	}
	return append([]*Job{p.Job}, p.Jobs...)
}

// ErrMalformed marks a payload that is not valid JSON, or not the shape its event promises.
var ErrMalformed = errors.New("malformed payload")

// Project parses a delivery's payload with go-github's types and returns its projection.
// It is the single parser for live ingest and for Reproject.
//
// What it returns is storable: ids and times are checked against their columns
// (ErrUnstorable), and projected text is capped (caps.go). With ValidateDelivery for the
// header fields, a delivery cannot fail its batch's commit on its data.
func Project(d Delivery) (Projection, error) {
	p, err := parse(d)
	if err != nil {
		return Projection{}, err
	}
	p.Action = capText(p.Action, MaxShortLen)
	if p.Job != nil {
		if err := finishJob(p.Job); err != nil {
			return Projection{}, err
		}
	}
	if p.Run != nil {
		stampRunForge(p.Run)
		capRun(p.Run)
		if err := validateRun(p.Run); err != nil {
			return Projection{}, err
		}
	}
	return p, nil
}

// finishJob caps a job decoded from a payload and checks that it is storable.
func finishJob(j *Job) error {
	stampJobForge(j)
	capJob(j)
	return validateJob(j)
}

// parse decodes a delivery's payload into its projection.
func parse(d Delivery) (Projection, error) {
	if d.Event == closureEvent && (forgeOf(d) == ForgeGitHub || d.TargetType == APITarget) {
		// CI Radar's own closures, of either forge's jobs. A GitLab hook cannot name the
		// event itself into one: its closures are only CI Radar's (target type api).
		return closureJob(d)
	}
	if forgeOf(d) == ForgeGitLab {
		return parseGitLab(d)
	}
	switch d.Event {
	case "workflow_job":
		var ev jobEnvelope
		if err := decode(d.Payload, &ev); err != nil {
			return Projection{}, fmt.Errorf("%w: workflow_job: %v", ErrMalformed, err)
		}
		if ev.WorkflowJob == nil || ev.WorkflowJob.ID == 0 {
			return Projection{}, fmt.Errorf("%w: workflow_job without workflow_job.id", ErrMalformed)
		}
		return Projection{Action: ev.Action, Job: jobFromEvent(&ev, d.ReceivedAt)}, nil
	case "workflow_run":
		var ev runEnvelope
		if err := decode(d.Payload, &ev); err != nil {
			return Projection{}, fmt.Errorf("%w: workflow_run: %v", ErrMalformed, err)
		}
		if ev.WorkflowRun == nil || ev.WorkflowRun.GetID() == 0 {
			return Projection{}, fmt.Errorf("%w: workflow_run without workflow_run.id", ErrMalformed)
		}
		if err := validatePullNumbers(pullNumbers(ev.WorkflowRun)); err != nil {
			return Projection{}, err
		}
		return Projection{Action: ev.Action, Run: runFromEvent(&ev, d.ReceivedAt)}, nil
	default:
		// Not projected, but still checked: the raw log holds only well-formed JSON.
		var head struct {
			Action string `json:"action"`
		}
		if err := decode(d.Payload, &head); err != nil {
			return Projection{}, fmt.Errorf("%w: %s: %v", ErrMalformed, d.Event, err)
		}
		return Projection{Action: head.Action}, nil
	}
}

func pullNumbers(r *github.WorkflowRun) []int {
	out := make([]int, 0, len(r.PullRequests))
	for _, pr := range r.PullRequests {
		out = append(out, pr.GetNumber())
	}
	return out
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

// jobEnvelope and runEnvelope decode a delivery: the run with go-github's WorkflowRun, the
// job with jobPayload (go-github's WorkflowJob fields that the projection reads, see
// payload.go), and the surrounding repository and organisation into just the fields CI
// Radar keeps. Those two objects are most of a payload's bytes (dozens of URLs); decoding
// them into go-github's full types doubled the parse time of a delivery (BENCHMARKS.md).
type jobEnvelope struct {
	Action      string      `json:"action"`
	WorkflowJob *jobPayload `json:"workflow_job"`
	Repo        repoRef     `json:"repository"`
	Org         loginRef    `json:"organization"`
}

type runEnvelope struct {
	Action      string              `json:"action"`
	WorkflowRun *github.WorkflowRun `json:"workflow_run"`
	Workflow    struct {
		Name string `json:"name"`
	} `json:"workflow"`
	Repo repoRef  `json:"repository"`
	Org  loginRef `json:"organization"`
}

type repoRef struct {
	ID            int64    `json:"id"`
	FullName      string   `json:"full_name"`
	DefaultBranch string   `json:"default_branch"`
	Owner         loginRef `json:"owner"`
	// Private and Visibility say whether GitHub bills the repository's standard hosted
	// runners (visibility).
	Private    privacy `json:"private"`
	Visibility string  `json:"visibility"`
}

// privacy is the payload's repository.private: unsaid, false or true.
type privacy uint8

const (
	repoPrivacyUnknown privacy = iota
	repoPublic
	repoPrivate
)

// visibility is the repository's visibility as CI Radar stores it: GitHub's own
// visibility field ('public', 'private', 'internal') when the payload has it (internal
// repositories are private to GitHub's billing), else what private says, else ”.
func (r repoRef) visibility() string {
	switch v := strings.ToLower(clean(r.Visibility)); v {
	case "public", "private", "internal":
		return v
	}
	switch r.Private {
	case repoPublic:
		return "public"
	case repoPrivate:
		return "private"
	}
	return ""
}

type loginRef struct {
	Login string `json:"login"`
}

func orgOf(org loginRef, repo repoRef) string {
	if org.Login != "" {
		return clean(org.Login)
	}
	return clean(repo.Owner.Login)
}

// labelKey is the runner pool a job asked for: its labels sorted and joined.
func labelKey(labels []string) string {
	s := slices.Clone(labels)
	slices.Sort(s)
	return strings.Join(s, ",")
}

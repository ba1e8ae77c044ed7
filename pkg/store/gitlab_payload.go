package store

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The GitLab events CI Radar projects (X-Gitlab-Event). Every other GitLab event is kept
// raw, like GitHub's.
const (
	GitLabPipelineHook = "Pipeline Hook"
	GitLabJobHook      = "Job Hook"
)

// gitlabJobHook is the part of a Job Hook payload the projection reads. GitLab's names:
// a job is a "build" in its hooks, and the hook's "commit" is the pipeline (its id, name
// and status), not the commit.
type gitlabJobHook struct {
	Ref                 string         `json:"ref"`
	SHA                 string         `json:"sha"`
	BuildID             int64          `json:"build_id"`
	BuildName           string         `json:"build_name"`
	BuildStage          string         `json:"build_stage"`
	BuildStatus         string         `json:"build_status"`
	BuildCreatedAt      *gitlabTime    `json:"build_created_at"`
	BuildStartedAt      *gitlabTime    `json:"build_started_at"`
	BuildFinishedAt     *gitlabTime    `json:"build_finished_at"`
	BuildCreatedAtISO   *gitlabTime    `json:"build_created_at_iso"`
	BuildStartedAtISO   *gitlabTime    `json:"build_started_at_iso"`
	BuildFinishedAtISO  *gitlabTime    `json:"build_finished_at_iso"`
	BuildQueuedDuration *float64       `json:"build_queued_duration"`
	BuildAllowFailure   bool           `json:"build_allow_failure"`
	BuildFailureReason  string         `json:"build_failure_reason"`
	PipelineID          int64          `json:"pipeline_id"`
	ProjectID           int64          `json:"project_id"`
	Runner              *gitlabRunner  `json:"runner"`
	Commit              gitlabNamed    `json:"commit"`
	Repository          gitlabRepo     `json:"repository"`
	Project             *gitlabProject `json:"project"`
}

// gitlabPipelineHook is the part of a Pipeline Hook payload the projection reads.
type gitlabPipelineHook struct {
	Attrs *struct {
		ID         int64       `json:"id"`
		IID        int64       `json:"iid"`
		Name       string      `json:"name"`
		Ref        string      `json:"ref"`
		SHA        string      `json:"sha"`
		Source     string      `json:"source"`
		Status     string      `json:"status"`
		CreatedAt  *gitlabTime `json:"created_at"`
		FinishedAt *gitlabTime `json:"finished_at"`
		Duration   *float64    `json:"duration"`
		URL        string      `json:"url"`
	} `json:"object_attributes"`
	MergeRequest *struct {
		IID int64 `json:"iid"`
	} `json:"merge_request"`
	User struct {
		Username string `json:"username"`
	} `json:"user"`
	Project gitlabProject `json:"project"`
	Commit  struct {
		Title   string `json:"title"`
		Message string `json:"message"`
	} `json:"commit"`
	Builds []gitlabBuild `json:"builds"`
}

type gitlabProject struct {
	ID                int64  `json:"id"`
	WebURL            string `json:"web_url"`
	PathWithNamespace string `json:"path_with_namespace"`
	DefaultBranch     string `json:"default_branch"`
	VisibilityLevel   *int64 `json:"visibility_level"`
}

// gitlabRepo is the job hook's "repository": all that older GitLab versions (without the
// hook's "project") say about the project.
type gitlabRepo struct {
	Homepage        string `json:"homepage"`
	VisibilityLevel *int64 `json:"visibility_level"`
}

type gitlabRunner struct {
	ID          int64    `json:"id"`
	Description string   `json:"description"`
	RunnerType  string   `json:"runner_type"`
	Tags        []string `json:"tags"`
}

type gitlabNamed struct {
	Name string `json:"name"`
}

// gitlabTime reads GitLab's two timestamp forms: "2023-01-10 13:50:02 UTC" in most hook
// fields, RFC 3339 in the *_iso ones and the API.
type gitlabTime struct{ time.Time }

var gitlabTimeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05 -0700"}

func (t *gitlabTime) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return fmt.Errorf("timestamp is not a string: %.40s", s)
	}
	s = s[1 : len(s)-1]
	if s == "" {
		return nil
	}
	for _, layout := range gitlabTimeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v
			return nil
		}
	}
	return fmt.Errorf("timestamp %.40q is not in a form GitLab sends", s)
}

// at is the time as CI Radar stores it: UTC, nil when absent.
func (t *gitlabTime) at() *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	v := t.UTC()
	return &v
}

// firstTime prefers the RFC 3339 field of a pair: it has the zone GitLab meant.
func firstTime(iso, plain *gitlabTime) *time.Time {
	if v := iso.at(); v != nil {
		return v
	}
	return plain.at()
}

// gitlabPlace is where a project sits: its instance, its full path, the org (the group
// path, nested groups kept) and the repo (the full path, as GitHub's repo is owner/name).
type gitlabPlace struct {
	instance, web, org, repo string
	id                       int64
	visibility               string
	defaultBranch            string
}

func placeOf(p gitlabProject) gitlabPlace {
	path := strings.Trim(clean(p.PathWithNamespace), "/")
	web := strings.TrimSuffix(clean(p.WebURL), "/")
	if path == "" {
		path = pathOf(web)
	}
	pl := gitlabPlace{instance: instanceURL(web, path), web: web, repo: path, id: p.ID,
		visibility: gitlabVisibility(p.VisibilityLevel), defaultBranch: clean(p.DefaultBranch)}
	if i := strings.LastIndexByte(path, '/'); i > 0 {
		pl.org = path[:i]
	}
	return pl
}

// pathOf is the path of a web URL without its leading slash.
func pathOf(web string) string {
	base := baseURL(web)
	if base == "" {
		return ""
	}
	return strings.Trim(strings.TrimPrefix(web, base), "/")
}

// gitlabVisibility maps GitLab's visibility_level (0 private, 10 internal, 20 public) onto
// the visibilities CI Radar keeps for GitHub.
func gitlabVisibility(level *int64) string {
	if level == nil {
		return ""
	}
	switch *level {
	case 0:
		return "private"
	case 10:
		return "internal"
	case 20:
		return "public"
	}
	return ""
}

// ValidateGitLabDelivery checks the parts of a GitLab delivery that come from its headers:
// its id (Idempotency-Key, else X-Gitlab-Event-UUID) and its event (X-Gitlab-Event).
func ValidateGitLabDelivery(d Delivery) error {
	err := errors.Join(headerText("Idempotency-Key or X-Gitlab-Event-UUID", d.ID, maxDeliveryIDLen, true),
		headerText("X-Gitlab-Event", d.Event, maxEventLen, true))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnstorable, err)
	}
	return nil
}

// GitLabAPIItem turns a hook-shaped body that the GitLab reconciler built from API answers
// into a writable item, as if GitLab had sent it (event GitLabJobHook or
// GitLabPipelineHook). Like GitHub's API items (sync.go) it goes to the raw log with target
// type "api", so it survives Reproject and merges by the same rules as the hooks.
func GitLabAPIItem(id, event string, body []byte, fetched time.Time) (Item, error) {
	d := Delivery{ID: id, Event: event, TargetType: APITarget, ReceivedAt: fetched.UTC(), Payload: body, Forge: ForgeGitLab}
	p, err := Project(d)
	if err != nil {
		return Item{}, fmt.Errorf("gitlab api item %s: %w", id, err)
	}
	d.Action = p.Action
	return Item{Delivery: d, Projection: p}, nil
}

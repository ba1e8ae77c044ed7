package githubapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"
)

// perPage is GitHub's maximum page size: fewer calls for the same listing.
const perPage = 100

// maxPages bounds any one listing, so a misbehaving server cannot loop us.
const maxPages = 1000

// sleepy lets go-github itself wait for a known exhausted primary limit instead of failing
// without asking; the limiter transport handles the answers that say so.
func sleepy(ctx context.Context) context.Context {
	return context.WithValue(ctx, github.SleepUntilPrimaryRateLimitResetWhenRateLimited, true)
}

// Hook is a webhook whose deliveries can be listed and redelivered: an organisation's hook,
// or, with Org empty, the GitHub App's own hook.
type Hook struct {
	Org string
	ID  int64
}

func (h Hook) String() string {
	if h.Org == "" {
		return "app"
	}
	return fmt.Sprintf("org:%s:%d", h.Org, h.ID)
}

// HookDeliveries lists one page of a hook's deliveries, newest first, from cursor ("" is
// the newest), and returns the cursor of the next page ("" at the end).
func (c *Client) HookDeliveries(ctx context.Context, h Hook, cursor string) ([]*github.HookDelivery, string, error) {
	opts := &github.ListCursorOptions{PerPage: perPage, Cursor: cursor}
	var (
		list []*github.HookDelivery
		resp *github.Response
		err  error
	)
	if h.Org == "" {
		list, resp, err = c.gh.Apps.ListHookDeliveries(sleepy(ctx), opts)
	} else {
		list, resp, err = c.gh.Organizations.ListHookDeliveries(sleepy(ctx), h.Org, h.ID, opts)
	}
	if err != nil {
		return nil, "", fmt.Errorf("list deliveries of hook %s: %w", h, err)
	}
	return list, resp.Cursor, nil
}

// Redeliver asks GitHub to send a delivery again; it keeps its GUID.
func (c *Client) Redeliver(ctx context.Context, h Hook, deliveryID int64) error {
	var err error
	if h.Org == "" {
		_, _, err = c.gh.Apps.RedeliverHookDelivery(sleepy(ctx), deliveryID)
	} else {
		_, _, err = c.gh.Organizations.RedeliverHookDelivery(sleepy(ctx), h.Org, h.ID, deliveryID)
	}
	var accepted *github.AcceptedError
	if err != nil && !errors.As(err, &accepted) {
		return fmt.Errorf("redeliver %d on hook %s: %w", deliveryID, h, err)
	}
	return nil
}

// Job fetches one workflow job.
func (c *Client) Job(ctx context.Context, owner, repo string, id int64) (*github.WorkflowJob, error) {
	j, _, err := c.gh.Actions.GetWorkflowJobByID(sleepy(ctx), owner, repo, id)
	if err != nil {
		return nil, fmt.Errorf("get job %d of %s/%s: %w", id, owner, repo, err)
	}
	return j, nil
}

// JobLog opens a job's log. GitHub answers with a redirect to a pre-signed URL, which is
// followed without credentials. Expired or deleted logs give a *StatusError that IsGone
// recognises. The caller closes the body and caps how much it reads.
func (c *Client) JobLog(ctx context.Context, owner, repo string, id int64) (io.ReadCloser, error) {
	u := c.base.JoinPath("repos", owner, repo, "actions", "jobs", fmt.Sprint(id), "logs")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.logs.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download log of job %d: %w", id, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, &StatusError{Code: resp.StatusCode, Op: fmt.Sprintf("download log of job %d", id)}
	}
	return resp.Body, nil
}

// Scope is where self-hosted runners are registered: an organisation, a repository
// ("owner/name") or an enterprise.
type Scope struct {
	Kind string // "org", "repo" or "enterprise"
	Name string
}

func (s Scope) String() string { return s.Kind + ":" + s.Name }

// ParseScope reads "org:acme", "repo:acme/api" or "enterprise:big"; a bare name is an org.
func ParseScope(s string) (Scope, error) {
	kind, name, ok := strings.Cut(s, ":")
	if !ok {
		kind, name = "org", s
	}
	switch {
	case name == "":
		return Scope{}, fmt.Errorf("runner scope %q: empty name", s)
	case kind == "repo" && strings.Count(name, "/") != 1:
		return Scope{}, fmt.Errorf("runner scope %q: want repo:owner/name", s)
	case kind != "org" && kind != "repo" && kind != "enterprise":
		return Scope{}, fmt.Errorf("runner scope %q: want org:, repo: or enterprise:", s)
	}
	return Scope{Kind: kind, Name: name}, nil
}

// Runners lists every self-hosted runner of a scope, all pages.
func (c *Client) Runners(ctx context.Context, s Scope) ([]*github.Runner, error) {
	var out []*github.Runner
	opts := github.ListOptions{PerPage: perPage}
	for page := 0; page < maxPages; page++ {
		var (
			rs   *github.Runners
			resp *github.Response
			err  error
		)
		switch s.Kind {
		case "org":
			rs, resp, err = c.gh.Actions.ListOrganizationRunners(sleepy(ctx), s.Name, &github.ListRunnersOptions{ListOptions: opts})
		case "repo":
			owner, name, _ := strings.Cut(s.Name, "/")
			rs, resp, err = c.gh.Actions.ListRunners(sleepy(ctx), owner, name, &github.ListRunnersOptions{ListOptions: opts})
		case "enterprise":
			rs, resp, err = c.gh.Enterprise.ListRunners(sleepy(ctx), s.Name, &opts)
		default:
			return nil, fmt.Errorf("runner scope %s: unknown kind", s)
		}
		if err != nil {
			return nil, fmt.Errorf("list runners of %s: %w", s, err)
		}
		out = append(out, rs.Runners...)
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
	return out, fmt.Errorf("list runners of %s: more than %d pages", s, maxPages)
}

// OrgRepos lists an organisation's repositories, all pages.
func (c *Client) OrgRepos(ctx context.Context, org string) ([]*github.Repository, error) {
	var out []*github.Repository
	opts := &github.RepositoryListByOrgOptions{ListOptions: github.ListOptions{PerPage: perPage}}
	for page := 0; page < maxPages; page++ {
		rs, resp, err := c.gh.Repositories.ListByOrg(sleepy(ctx), org, opts)
		if err != nil {
			return nil, fmt.Errorf("list repositories of %s: %w", org, err)
		}
		out = append(out, rs...)
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
	return out, fmt.Errorf("list repositories of %s: more than %d pages", org, maxPages)
}

// RunsPage is one page of a repository's workflow runs.
type RunsPage struct {
	Runs     []*github.WorkflowRun
	Total    int // runs matching the filter, over every page
	NextPage int // 0 at the end
}

// Runs lists one page of a repository's workflow runs created in a range (GitHub's
// created filter, e.g. "2025-03-01T00:00:00Z..2025-03-02T00:00:00Z").
func (c *Client) Runs(ctx context.Context, owner, repo, created string, page int) (RunsPage, error) {
	opts := &github.ListWorkflowRunsOptions{Created: created, ListOptions: github.ListOptions{PerPage: perPage, Page: page}}
	rs, resp, err := c.gh.Actions.ListRepositoryWorkflowRuns(sleepy(ctx), owner, repo, opts)
	if err != nil {
		return RunsPage{}, fmt.Errorf("list runs of %s/%s created %s: %w", owner, repo, created, err)
	}
	return RunsPage{Runs: rs.WorkflowRuns, Total: rs.GetTotalCount(), NextPage: resp.NextPage}, nil
}

// RunAttempt fetches one attempt of a run.
func (c *Client) RunAttempt(ctx context.Context, owner, repo string, id int64, attempt int) (*github.WorkflowRun, error) {
	r, _, err := c.gh.Actions.GetWorkflowRunAttempt(sleepy(ctx), owner, repo, id, attempt, nil)
	if err != nil {
		return nil, fmt.Errorf("get run %d attempt %d of %s/%s: %w", id, attempt, owner, repo, err)
	}
	return r, nil
}

// RunJobs lists the jobs of every attempt of a run, all pages.
func (c *Client) RunJobs(ctx context.Context, owner, repo string, id int64) ([]*github.WorkflowJob, error) {
	var out []*github.WorkflowJob
	opts := &github.ListWorkflowJobsOptions{Filter: "all", ListOptions: github.ListOptions{PerPage: perPage}}
	for page := 0; page < maxPages; page++ {
		js, resp, err := c.gh.Actions.ListWorkflowJobs(sleepy(ctx), owner, repo, id, opts)
		if err != nil {
			return nil, fmt.Errorf("list jobs of run %d of %s/%s: %w", id, owner, repo, err)
		}
		out = append(out, js.Jobs...)
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
	return out, fmt.Errorf("list jobs of run %d: more than %d pages", id, maxPages)
}

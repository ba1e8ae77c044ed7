package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// runnersEvery is how often the runner inventory is listed: each scope costs a request (or
// more, paged), so it is not listed every cycle, and an idle project stays at one request
// a cycle between listings.
const runnersEvery = 10 * time.Minute

// RunnerScope is where runners are listed: a project's own runners, a group's, or the
// instance's (an administrator's token only).
type RunnerScope struct {
	Kind string // project, group or instance
	Path string // the project's or group's full path; empty for the instance
}

// Name is the scope as the runners table keeps it.
func (s RunnerScope) Name() string {
	if s.Kind == "instance" {
		return "gitlab:instance"
	}
	return "gitlab:" + s.Kind + ":" + s.Path
}

// Runners lists a scope's runners of that scope's own type, every page.
func (c *Client) Runners(ctx context.Context, sc RunnerScope) ([]store.Runner, error) {
	var out []store.Runner
	lo := gitlab.ListOptions{PerPage: c.pageSize, Page: 1}
	for {
		var page []*gitlab.Runner
		var resp *gitlab.Response
		var err error
		switch sc.Kind {
		case "project":
			page, resp, err = c.gl.Runners.ListProjectRunners(sc.Path,
				&gitlab.ListProjectRunnersOptions{ListOptions: lo, Type: gitlab.Ptr("project_type")}, gitlab.WithContext(ctx))
		case "group":
			page, resp, err = c.gl.Runners.ListGroupsRunners(sc.Path,
				&gitlab.ListGroupsRunnersOptions{ListOptions: lo, Type: gitlab.Ptr("group_type")}, gitlab.WithContext(ctx))
		case "instance":
			page, resp, err = c.gl.Runners.ListAllRunners(
				&gitlab.ListRunnersOptions{ListOptions: lo, Type: gitlab.Ptr("instance_type")}, gitlab.WithContext(ctx))
		default:
			return nil, fmt.Errorf("runner scope %q: want project, group or instance", sc.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("list runners of %s: %w", sc.Name(), err)
		}
		for _, r := range page {
			// A runner's name in the jobs is its description (the hooks' runner.description).
			status := "offline"
			if r.Online {
				status = "online"
			}
			out = append(out, store.Runner{ID: r.ID, Name: r.Description, Status: status, Group: r.RunnerType})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		lo.Page = resp.NextPage
	}
}

// runnerScopes are the named projects' and groups' own runners, and the instance's when
// asked for.
func (s *Sync) runnerScopes() []RunnerScope {
	var out []RunnerScope
	for _, p := range s.Projects {
		out = append(out, RunnerScope{Kind: "project", Path: p})
	}
	for _, g := range s.Groups {
		out = append(out, RunnerScope{Kind: "group", Path: g})
	}
	if s.InstanceRunners {
		out = append(out, RunnerScope{Kind: "instance"})
	}
	return out
}

// runners lists every scope into the inventory, with each runner's tags as its labels
// (runner_tags.go), every runnersEvery. A scope that fails is listed again next cycle; the
// others wait for the next listing.
func (s *Sync) runners(ctx context.Context, now time.Time) (int, error) {
	if !s.runnersAt.IsZero() && now.Sub(s.runnersAt) < runnersEvery {
		return 0, nil
	}
	n := 0
	var errs []error
	again := false // some runners' tags are still to read: list again next cycle
	for _, sc := range s.runnerScopes() {
		list, err := s.Client.Runners(ctx, sc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// Runners whose tags could not be read are saved with those last read, and
		// listed again next cycle.
		more, tagErr := s.withTags(ctx, list, now)
		again = again || more || tagErr != nil
		errs = append(errs, tagErr)
		if err := s.Store.SaveForgeRunners(ctx, store.ForgeGitLab, sc.Name(), list, now); err != nil {
			errs = append(errs, err)
			continue
		}
		n += len(list)
	}
	err := errors.Join(errs...)
	if err == nil && !again {
		s.runnersAt = now
		s.forgetRunnerTags(now)
	}
	return n, err
}

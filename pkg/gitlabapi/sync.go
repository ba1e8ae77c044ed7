package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// Sync is one GitLab instance's part of a reconcile cycle: the named projects, and every
// project of the named groups (subgroups included), are repaired from their checkpoints.
type Sync struct {
	Client *Client
	Store  *store.Store
	// Projects are full paths ("group/sub/app"); Groups are group paths whose projects
	// are listed (again every ListEvery, default 1h: a group's listing costs requests,
	// and new projects are rare).
	Projects, Groups []string
	// Lookback bounds a project's first repair (default 24h).
	Lookback  time.Duration
	ListEvery time.Duration
	// MaxTraces bounds the failed jobs' traces read per cycle (0: DefaultMaxTraces; below
	// zero: none); TraceBytes bounds one trace's bytes scanned (0: logscan's default).
	MaxTraces  int
	TraceBytes int64
	// Stuck-job checks (stuck.go): age, recheck interval and per-cycle cap.
	StuckAfter, RecheckAfter time.Duration
	MaxStuck                 int
	// InstanceRunners lists the instance's runners too (an administrator's token only).
	InstanceRunners bool

	listedAt   time.Time
	projects   []string
	timeouts   map[string]timeoutEntry // job timeout by project path
	runnersAt  time.Time               // last complete runner listing
	runnerTags map[int64]runnerTags    // runners' tags by runner id (runner_tags.go)
}

// SyncStats says what one GitLab cycle did and what it cost.
type SyncStats struct {
	Projects, Pipelines, Jobs, Stored int
	StuckChecked, StuckCorrected      int // old open jobs asked about, and moved on by the answer
	Expired                           int // jobs closed past GitLab's own limits
	Runners                           int // runners listed (every 10 minutes)
	Traces                            int // failed jobs' traces scanned
	Calls                             int64
}

// Cycle repairs every project once, then closes its jobs past GitLab's own limits. A project that fails does not stop the others; their
// errors are joined.
func (s *Sync) Cycle(ctx context.Context, now time.Time) (SyncStats, error) {
	before := s.Client.Calls()
	var st SyncStats
	projects, err := s.projectList(ctx, now)
	errs := []error{err}
	lookback := s.Lookback
	if lookback <= 0 {
		lookback = 24 * time.Hour
	}
	for _, p := range projects {
		res, err := s.Client.Repair(ctx, s.Store, s.Store, p, now.Add(-lookback), now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		st.Projects++
		st.Pipelines += res.Pipelines
		st.Jobs += res.Jobs
		st.Stored += res.Stored
	}
	// After the repair, a job still open is asked about; after that, a job GitLab
	// reported on is not expired.
	st.StuckChecked, st.StuckCorrected, err = s.stuckJobs(ctx, now)
	errs = append(errs, err)
	n, err := s.expire(ctx, projects, now)
	st.Expired = n
	errs = append(errs, err)
	st.Runners, err = s.runners(ctx, now)
	errs = append(errs, err)
	st.Traces, err = s.scanTraces(ctx, now)
	errs = append(errs, err)
	st.Calls = s.Client.Calls() - before
	return st, errors.Join(errs...)
}

// projectList is Projects and the groups' projects, listed again every ListEvery. A group
// that fails to list keeps its previous projects.
func (s *Sync) projectList(ctx context.Context, now time.Time) ([]string, error) {
	every := s.ListEvery
	if every <= 0 {
		every = time.Hour
	}
	if len(s.Groups) == 0 || (s.projects != nil && now.Sub(s.listedAt) < every) {
		if s.projects == nil {
			return s.Projects, nil
		}
		return s.projects, nil
	}
	out := slices.Clone(s.Projects)
	var errs []error
	for _, g := range s.Groups {
		paths, err := s.Client.GroupProjects(ctx, g)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, paths...)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(errs) == 0 {
		s.projects, s.listedAt = out, now
	}
	return out, errors.Join(errs...)
}

// GroupProjects lists the full paths of a group's projects, subgroups included, archived
// ones left out, paginated.
func (c *Client) GroupProjects(ctx context.Context, group string) ([]string, error) {
	opt := &gitlab.ListGroupProjectsOptions{ListOptions: gitlab.ListOptions{PerPage: c.pageSize, Page: 1},
		IncludeSubGroups: gitlab.Ptr(true), Archived: gitlab.Ptr(false), Simple: gitlab.Ptr(true)}
	var out []string
	for {
		page, resp, err := c.gl.Groups.ListGroupProjects(group, opt, gitlab.WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("list projects of group %s: %w", group, err)
		}
		for _, p := range page {
			out = append(out, p.PathWithNamespace)
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}

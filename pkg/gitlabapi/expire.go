package gitlabapi

import (
	"context"
	"fmt"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// timeoutsEvery is how long a project's job timeout is kept: it changes rarely, and each
// refresh costs a request per project.
const timeoutsEvery = 24 * time.Hour

type timeoutEntry struct {
	d  time.Duration
	at time.Time
}

// ProjectTimeout reads a project's job timeout (its CI/CD settings' build_timeout).
func (c *Client) ProjectTimeout(ctx context.Context, project string) (time.Duration, error) {
	p, _, err := c.gl.Projects.GetProject(project, nil, gitlab.WithContext(ctx))
	if err != nil {
		return 0, fmt.Errorf("read project %s: %w", project, err)
	}
	return time.Duration(p.BuildTimeout) * time.Second, nil
}

// refreshTimeouts reads the job timeout of each project not read for a day. A project that
// fails keeps what it had (or GitLab's default hour), and is asked again next cycle.
func (s *Sync) refreshTimeouts(ctx context.Context, projects []string, now time.Time) error {
	if s.timeouts == nil {
		s.timeouts = map[string]timeoutEntry{}
	}
	for _, p := range projects {
		if e, ok := s.timeouts[p]; ok && now.Sub(e.at) < timeoutsEvery {
			continue
		}
		d, err := s.Client.ProjectTimeout(ctx, p)
		if err != nil {
			return err
		}
		s.timeouts[p] = timeoutEntry{d: d, at: now}
	}
	return nil
}

// expire closes the projects' jobs past GitLab's own limits (store.ExpireGitLabJobs), with
// each project's own job timeout.
func (s *Sync) expire(ctx context.Context, projects []string, now time.Time) (int, error) {
	err := s.refreshTimeouts(ctx, projects, now)
	n, xerr := s.Store.ExpireGitLabJobs(ctx, now, func(repo string) time.Duration { return s.timeouts[repo].d })
	if xerr != nil {
		return n, xerr
	}
	return n, err
}

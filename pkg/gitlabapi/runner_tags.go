package gitlabapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// GitLab's runner listings do not carry a runner's tags; its details do (tag_list), at a
// request per runner. So a runner's tags are read when it is first listed and again once
// a day, never on every listing: a steady inventory costs its scopes' listings every 10
// minutes plus a request per runner a day, and an idle project still one request a cycle.
const (
	runnerTagsEvery = 24 * time.Hour
	// maxRunnerDetails bounds the details read at one listing (a first listing of a large
	// instance's runners); the rest are read at the next listings, ten minutes apart.
	maxRunnerDetails = 50
)

// runnerTags is what the reconciler knows of a runner's tags, and when it read them.
type runnerTags struct {
	tags []string
	at   time.Time
}

// RunnerTags reads a runner's tags from its details. found is false when GitLab no longer
// knows the runner (404): unregistered between the listing and now.
func (c *Client) RunnerTags(ctx context.Context, id int64) (tags []string, found bool, err error) {
	d, resp, err := c.gl.Runners.GetRunnerDetails(id, gitlab.WithContext(ctx))
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("read runner %d: %w", id, err)
	}
	return d.TagList, true, nil
}

// withTags sets each listed runner's labels to its tags: known ones read within
// runnerTagsEvery as they are, the others read now, at most maxRunnerDetails of them (more
// says some are left for the next listing). A runner whose details fail keeps the tags
// last read (none if never), and the failure is returned.
func (s *Sync) withTags(ctx context.Context, list []store.Runner, now time.Time) (more bool, err error) {
	if s.runnerTags == nil {
		s.runnerTags = map[int64]runnerTags{}
	}
	budget := maxRunnerDetails
	var errs []error
	for i := range list {
		r := &list[i]
		known, ok := s.runnerTags[r.ID]
		switch {
		case ok && now.Sub(known.at) < runnerTagsEvery:
		case budget == 0:
			more = true
		default:
			budget--
			// A runner GitLab no longer knows (not found) has no tags; the next listing
			// marks it removed.
			tags, _, err := s.Client.RunnerTags(ctx, r.ID)
			if err != nil {
				errs = append(errs, err)
				break
			}
			known = runnerTags{tags: tags, at: now}
			s.runnerTags[r.ID] = known
		}
		r.Labels = known.tags
	}
	return more, errors.Join(errs...)
}

// forgetRunnerTags drops the tags of runners no listing has named for two periods: they
// were unregistered, and a long-lived reconciler should not keep them.
func (s *Sync) forgetRunnerTags(now time.Time) {
	for id, t := range s.runnerTags {
		if now.Sub(t.at) > 2*runnerTagsEvery {
			delete(s.runnerTags, id)
		}
	}
}

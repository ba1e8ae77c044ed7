package gitlabapi

import (
	"context"
	"errors"
	"time"
)

// BackfillStats says what a backfill loaded and what it cost.
type BackfillStats struct {
	Projects, Pipelines, Jobs, Stored int
	Calls                             int64
}

// Backfill loads the pipelines of projects (and of every project of groups) updated since
// since, and all their jobs, through the same path as the repair. It keeps its own
// positions, in memory: the reconciler's checkpoints are left where they are, so a backfill
// neither skips nor repeats the reconciler's work. A project that fails does not stop the
// others; their errors are joined.
func (c *Client) Backfill(ctx context.Context, w Writer, projects, groups []string, since, now time.Time) (BackfillStats, error) {
	before := c.Calls()
	s := &Sync{Client: c, Projects: projects, Groups: groups}
	list, err := s.projectList(ctx, now)
	errs := []error{err}
	var st BackfillStats
	for _, p := range list {
		res, err := c.Repair(ctx, w, memCheckpoints{}, p, since, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		st.Projects++
		st.Pipelines += res.Pipelines
		st.Jobs += res.Jobs
		st.Stored += res.Stored
	}
	st.Calls = c.Calls() - before
	return st, errors.Join(errs...)
}

// memCheckpoints keeps positions for one backfill only.
type memCheckpoints map[string]time.Time

func (m memCheckpoints) Checkpoint(_ context.Context, name string) (int64, time.Time, bool, error) {
	at, ok := m[name]
	return 0, at, ok, nil
}

func (m memCheckpoints) SetCheckpoint(_ context.Context, name string, _ int64, at time.Time) error {
	m[name] = at
	return nil
}

package reconcile

import (
	"context"
	"time"

	"github.com/ciradar/ciradar/pkg/gitlabapi"
)

// GitLab is a GitLab instance's part of a cycle (gitlabapi.Sync): it repairs missed hooks
// from its own API and needs no GitHub credential.
type GitLab interface {
	Cycle(ctx context.Context, now time.Time) (gitlabapi.SyncStats, error)
}

// gitlab runs the GitLab cycle; its counts and cost go into the cycle's stats.
func (r *Reconciler) gitlab(ctx context.Context, st *CycleStats) error {
	gs, err := r.cfg.GitLab.Cycle(ctx, r.cfg.Now())
	st.GitLab = gs
	return err
}

package reconcile

import (
	"context"
	"errors"

	"github.com/ciradar/ciradar/pkg/store"
)

// runners lists every configured scope's self-hosted runners into the inventory, with one
// sample per runner. An unchanged listing comes back as 304s and costs no rate limit.
func (r *Reconciler) runners(ctx context.Context, st *CycleStats) error {
	now := r.cfg.Now()
	var errs []error
	for _, sc := range r.cfg.RunnerScopes {
		list, err := r.cfg.API.Runners(ctx, sc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rs := make([]store.Runner, 0, len(list))
		for _, g := range list {
			sr := store.Runner{ID: g.GetID(), Name: g.GetName(), OS: g.GetOS(), Status: g.GetStatus(), Busy: g.GetBusy()}
			for _, l := range g.Labels {
				sr.Labels = append(sr.Labels, l.GetName())
			}
			rs = append(rs, sr)
		}
		if err := r.cfg.Store.SaveRunners(ctx, sc.String(), rs, now); err != nil {
			errs = append(errs, err)
			continue
		}
		st.Runners += len(rs)
	}
	return errors.Join(errs...)
}

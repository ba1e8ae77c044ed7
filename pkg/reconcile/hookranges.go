package reconcile

import (
	"context"
	"net/netip"

	"github.com/ciradar/ciradar/pkg/store"
)

// hookRangeAPI is the part of the client that reads GitHub's published webhook ranges.
type hookRangeAPI interface {
	HookRanges(ctx context.Context) ([]netip.Prefix, error)
}

// hookRanges refreshes GitHub's webhook source ranges into the store, where every receiver
// replica run with -allow-github-hooks reads its allowlist. It runs when the ranges are
// asked for (Config.HookRangesEvery), at most that often.
func (r *Reconciler) hookRanges(ctx context.Context, _ *CycleStats) error {
	api, ok := r.cfg.API.(hookRangeAPI)
	if r.cfg.HookRangesEvery <= 0 || !ok {
		return nil
	}
	now := r.cfg.Now()
	if !r.rangesAt.IsZero() && now.Sub(r.rangesAt) < r.cfg.HookRangesEvery {
		return nil
	}
	ranges, err := api.HookRanges(ctx)
	if err != nil {
		return err
	}
	if err := r.cfg.Store.ReplaceSourceRanges(ctx, store.GitHubHooks, ranges, now); err != nil {
		return err
	}
	r.rangesAt = now
	return nil
}

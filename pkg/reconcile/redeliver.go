package reconcile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/google/go-github/v62/github"
)

// redeliver asks GitHub to send again every failed delivery of each hook that is not in
// the raw log, oldest first, back to the hook's checkpoint.
func (r *Reconciler) redeliver(ctx context.Context, st *CycleStats) error {
	var errs []error
	for _, h := range r.cfg.Hooks {
		if err := r.redeliverHook(ctx, h, st); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// failed is one GUID whose delivery failed: the attempt to redeliver, and the oldest
// listed attempt, which is where the checkpoint must stop while it is not handled.
type failed struct {
	guid          string
	redeliverID   int64
	oldestAttempt int64
	firstAt       time.Time // when GitHub first delivered it: the projection's receipt time
}

func (r *Reconciler) redeliverHook(ctx context.Context, h githubapi.Hook, st *CycleStats) error {
	name := "hook:" + h.String()
	cp, _, haveCP, err := r.cfg.Store.Checkpoint(ctx, name)
	if err != nil {
		return err
	}
	floor := r.cfg.Now().Add(-r.cfg.Lookback)
	list, newest, err := r.listBack(ctx, h, cp, haveCP, floor)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return nil
	}
	cands, err := r.candidates(ctx, list)
	if err != nil {
		return err
	}
	// The original times go in before any redelivery can arrive (store/origins.go).
	origins := map[string]time.Time{}
	for _, c := range cands[:min(len(cands), r.cfg.MaxRedeliveries)] {
		if !c.firstAt.IsZero() {
			origins[c.guid] = c.firstAt
		}
	}
	if err := r.cfg.Store.RecordOrigins(ctx, origins); err != nil {
		return err
	}
	handledUpTo := newest // everything listed is handled unless a candidate is left
	for i, c := range cands {
		if i >= r.cfg.MaxRedeliveries {
			st.RedeliverBacklog += len(cands) - i
			handledUpTo = c.oldestAttempt - 1
			break
		}
		if err := r.cfg.API.Redeliver(ctx, h, c.redeliverID); err != nil {
			r.cfg.Store.RecordRedelivery(ctx, c.guid, h.String(), "error", r.cfg.Now()) //nolint:errcheck // best effort: the attempt failed anyway
			st.RedeliverBacklog += len(cands) - i
			handledUpTo = c.oldestAttempt - 1
			err = fmt.Errorf("redeliver %s: %w", c.guid, err)
			return errors.Join(err, r.cfg.Store.SetCheckpoint(ctx, name, max(handledUpTo, cp), r.cfg.Now()))
		}
		if err := r.cfg.Store.RecordRedelivery(ctx, c.guid, h.String(), "requested", r.cfg.Now()); err != nil {
			return err
		}
		st.Redelivered++
		r.cfg.Metrics.redelivered.Inc()
	}
	return r.cfg.Store.SetCheckpoint(ctx, name, max(handledUpTo, cp), r.cfg.Now())
}

// listBack pages through a hook's deliveries, newest first, until the checkpoint (or, the
// first time, the lookback floor), and returns them with the newest id seen.
func (r *Reconciler) listBack(ctx context.Context, h githubapi.Hook, cp int64, haveCP bool, floor time.Time) ([]*github.HookDelivery, int64, error) {
	var out []*github.HookDelivery
	var newest int64
	cursor := ""
	for page := 0; page < 10_000; page++ {
		list, next, err := r.cfg.API.HookDeliveries(ctx, h, cursor)
		if err != nil {
			return nil, 0, err
		}
		for _, d := range list {
			if haveCP && d.GetID() <= cp || !haveCP && d.GetDeliveredAt().Before(floor) {
				return out, max(newest, cp), nil
			}
			newest = max(newest, d.GetID())
			out = append(out, d)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return out, max(newest, cp), nil
}

// candidates are the failed GUIDs not in the raw log and not given up on, oldest first.
// Counting per GUID means a redelivery that failed again is tried again, a bounded number
// of times.
func (r *Reconciler) candidates(ctx context.Context, list []*github.HookDelivery) ([]failed, error) {
	byGUID := map[string]*failed{}
	var guids []string
	for _, d := range list {
		g := d.GetGUID()
		f := byGUID[g]
		if f == nil {
			f = &failed{guid: g, oldestAttempt: d.GetID()}
			byGUID[g] = f
			guids = append(guids, g)
		}
		f.oldestAttempt = min(f.oldestAttempt, d.GetID())
		if at := d.GetDeliveredAt().Time; !at.IsZero() && (f.firstAt.IsZero() || at.Before(f.firstAt)) {
			f.firstAt = at
		}
		if code := d.GetStatusCode(); code < 200 || code > 299 {
			f.redeliverID = max(f.redeliverID, d.GetID())
		}
	}
	stored, err := r.cfg.Store.StoredDeliveries(ctx, guids)
	if err != nil {
		return nil, err
	}
	tries, err := r.cfg.Store.RedeliveryAttempts(ctx, guids)
	if err != nil {
		return nil, err
	}
	var out []failed
	for _, g := range guids {
		f := byGUID[g]
		switch {
		case f.redeliverID == 0 || stored[g]:
		case tries[g] >= r.cfg.RedeliveryTries:
			r.cfg.Metrics.redeliverGivenUp.Inc()
			r.cfg.Logger.Warn("delivery still failing after redeliveries; giving up", "guid", g, "tries", tries[g])
		default:
			out = append(out, *f)
		}
	}
	slices.SortFunc(out, func(a, b failed) int { return cmp.Compare(a.oldestAttempt, b.oldestAttempt) })
	return out, nil
}

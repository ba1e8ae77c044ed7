package reconcile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/ciradar/ciradar/pkg/store"
)

// billingAPI is the part of the client that reads GitHub's billing usage report.
type billingAPI interface {
	BillingUsage(ctx context.Context, org string, day time.Time) ([]githubapi.UsageItem, error)
}

// billingEvery is how often an organisation's report is read: GitHub's usage report is
// daily, and a token that may not read it should not be refused every minute.
const billingEvery = 24 * time.Hour

// billingDays is how many whole UTC days each read covers, yesterday and before: GitHub
// adds usage to a day for a while after it ends, so each day is read again, whole.
const billingDays = 3

// billing stores the billing usage report of each organisation in Config.BillingOrgs, once
// a day. A 403 or 404 (no Administration read permission, no enhanced billing platform)
// is recorded as unavailable, not returned as an error: it is a state, and the next try is
// a day later.
func (r *Reconciler) billing(ctx context.Context, st *CycleStats) error {
	api, ok := r.cfg.API.(billingAPI)
	if !ok {
		return nil
	}
	now := r.cfg.Now().UTC()
	var errs []error
	for _, org := range r.cfg.BillingOrgs {
		last, _, err := r.cfg.Store.BillingCheckedAt(ctx, org)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !last.IsZero() && now.Sub(last) < billingEvery {
			continue
		}
		today := now.Truncate(24 * time.Hour)
		for d := billingDays; d >= 1; d-- {
			day := today.AddDate(0, 0, -d)
			items, err := api.BillingUsage(ctx, org, day)
			if code, unavailable := githubapi.IsUnavailable(err); unavailable {
				st.BillingUnavailable++
				if err := r.cfg.Store.SetBillingState(ctx, org, store.BillingUnavailable, code, now); err != nil {
					errs = append(errs, err)
				}
				break
			}
			if err != nil {
				errs = append(errs, err)
				break
			}
			if err := r.cfg.Store.ReplaceBillingDay(ctx, org, day, billingItems(items), now); err != nil {
				errs = append(errs, fmt.Errorf("billing of %s: %w", org, err))
				break
			}
			st.BillingDays++
		}
	}
	return errors.Join(errs...)
}

func billingItems(in []githubapi.UsageItem) []store.BillingItem {
	out := make([]store.BillingItem, 0, len(in))
	for _, u := range in {
		out = append(out, store.BillingItem{Product: u.Product, SKU: u.SKU, Repository: u.RepositoryName, UnitType: u.UnitType,
			Quantity: u.Quantity, PricePerUnit: u.PricePerUnit, Gross: u.GrossAmount, Discount: u.DiscountAmount, NetAmount: u.NetAmount})
	}
	return out
}

package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// BillingItem is one line of GitHub's billing usage report, kept as GitHub sent it.
type BillingItem struct {
	Product, SKU, Repository, UnitType                 string
	Quantity, PricePerUnit, Gross, Discount, NetAmount float64
}

// Billing report states (billing_state.status).
const (
	BillingOK          = "ok"
	BillingUnavailable = "unavailable"
)

// ReplaceBillingDay makes items the whole report of org's day, in one transaction, and
// records the report as read. Lines with the same product, SKU and repository are summed
// (GitHub may split a day's usage); a non-finite amount is refused, naming the line.
func (s *Store) ReplaceBillingDay(ctx context.Context, org string, day time.Time, items []BillingItem, checked time.Time) error {
	type key struct{ product, sku, repo string }
	sum := map[key]*BillingItem{}
	var order []key
	for _, it := range items {
		for _, v := range []float64{it.Quantity, it.PricePerUnit, it.Gross, it.Discount, it.NetAmount} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("billing report of %s: %s/%s holds a non-finite amount", org, clean(it.Product), clean(it.SKU))
			}
		}
		k := key{clean(it.Product), clean(it.SKU), clean(it.Repository)}
		if t := sum[k]; t != nil {
			t.Quantity += it.Quantity
			t.Gross += it.Gross
			t.Discount += it.Discount
			t.NetAmount += it.NetAmount
			continue
		}
		c := it
		c.UnitType = clean(c.UnitType)
		sum[k] = &c
		order = append(order, k)
	}
	d := day.UTC().Truncate(24 * time.Hour)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM billing_usage WHERE org = $1 AND day = $2::date", org, d); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for _, k := range order {
			it := sum[k]
			b.Queue(`INSERT INTO billing_usage (org, day, product, sku, repository, unit_type, quantity, price_per_unit,
				gross_amount, discount_amount, net_amount) VALUES ($1, $2::date, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				org, d, k.product, k.sku, k.repo, it.UnitType, it.Quantity, it.PricePerUnit, it.Gross, it.Discount, it.NetAmount)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		return setBillingState(ctx, tx, org, BillingOK, 200, checked)
	})
	if err != nil {
		return fmt.Errorf("store billing report of %s on %s: %w", org, d.Format(time.DateOnly), err)
	}
	return nil
}

// SetBillingState records that org's report could not be read (BillingUnavailable, with
// GitHub's status code), so that the reconciler asks again a day later, not every cycle.
func (s *Store) SetBillingState(ctx context.Context, org, status string, code int, checked time.Time) error {
	if err := setBillingState(ctx, s.pool, org, status, code, checked); err != nil {
		return fmt.Errorf("record billing state of %s: %w", org, err)
	}
	return nil
}

func setBillingState(ctx context.Context, q interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, org, status string, code int, checked time.Time) error {
	_, err := q.Exec(ctx, `INSERT INTO billing_state (org, status, http_code, checked_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (org) DO UPDATE SET status = EXCLUDED.status, http_code = EXCLUDED.http_code, checked_at = EXCLUDED.checked_at`,
		org, status, code, checked)
	return err
}

// BillingCheckedAt is when org's report was last asked for, and what came of it.
func (s *Store) BillingCheckedAt(ctx context.Context, org string) (at time.Time, status string, err error) {
	err = s.pool.QueryRow(ctx, "SELECT checked_at, status FROM billing_state WHERE org = $1", org).Scan(&at, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, "", nil
	}
	if err != nil {
		return time.Time{}, "", fmt.Errorf("read billing state of %s: %w", org, err)
	}
	return at.UTC(), status, nil
}

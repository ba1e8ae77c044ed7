package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// costOverTime is cost's over_time view: per bucket the totals (billable_minutes, cost and
// unpriced_minutes), or, with a dimension, one series of the metric for each of the top
// values over the whole range. Hourly rollups serve the final whole hours, and 10-minute
// ones the final whole 10 minutes of 10-minute buckets (without a dimension, or by label
// or event).
func costOverTime(ctx context.Context, env Env, req Request, fl Filters, rates Rates, dim, metric string, limit int) (data.Frames, error) {
	bucket := fineBucket(req)
	g := newGrid(req.From, req.To, bucket)
	rowsDim := dim
	switch {
	case rowsDim != "":
	case onlyFilters(fl):
		rowsDim = "total" // one row per label set and visibility (migration 0026)
	default:
		rowsDim = "repo" // every job is in exactly one repository: its rows sum to the totals
	}
	// rollup_cost_10m keeps only the dimensions with few values (migration 0032).
	fineDim := rowsDim == "total" || rowsDim == "label" || rowsDim == "event"
	p, err := planFine(ctx, env.DB, req, bucket, onlyFilters(fl, costDims[rowsDim].filter) && (fineDim || bucket%time.Hour == 0))
	if err != nil {
		return nil, err
	}
	st := newStmt("cost")
	costRows(st, req, p, fl, rowsDim, bucket)
	rows, err := readCostRows(ctx, env, st)
	if err != nil {
		return nil, err
	}
	if dim == "" {
		sums := make([]priced, len(g.times))
		for _, c := range rows {
			if i := g.index(c.t); i >= 0 && i < len(sums) {
				sums[i].add(rates.price(c.labelKey, c.visibility, float64(c.minutes)))
			}
		}
		f := data.NewFrame("cost", data.NewField("time", nil, g.times),
			unit(data.NewField("billable_minutes", nil, make([]float64, len(g.times))), "m"),
			unit(data.NewField("cost", nil, make([]float64, len(g.times))), "currencyUSD"),
			unit(data.NewField("unpriced_minutes", nil, make([]float64, len(g.times))), "m"))
		for i, s := range sums {
			f.Fields[1].Set(i, s.billable)
			f.Fields[2].Set(i, s.cost)
			f.Fields[3].Set(i, s.unpriced)
		}
		return data.Frames{finish(f, st, data.FrameTypeTimeSeriesWide)}, nil
	}
	top := ranked(totals(rows, rates), metric)
	top = top[:min(limit, len(top))]
	series := map[string][]float64{}
	for _, t := range top {
		series[t.value] = make([]float64, len(g.times))
	}
	for _, c := range rows {
		s, ok := series[c.value]
		i := g.index(c.t)
		if !ok || i < 0 || i >= len(s) {
			continue
		}
		pr := rates.price(c.labelKey, c.visibility, float64(c.minutes))
		if metric == "billable_minutes" {
			s[i] += pr.billable
		} else {
			s[i] += pr.cost
		}
	}
	u := map[string]string{"cost": "currencyUSD", "billable_minutes": "m"}[metric]
	frames := data.Frames{}
	for _, t := range top {
		f := data.NewFrame(t.value, data.NewField("time", nil, g.times),
			unit(data.NewField(metric, data.Labels{dim: t.value}, series[t.value]), u))
		frames = append(frames, finish(f, st, data.FrameTypeTimeSeriesWide))
	}
	if len(frames) == 0 {
		f := data.NewFrame("cost", data.NewField("time", nil, []time.Time{}), unit(data.NewField(metric, nil, []float64{}), u))
		frames = append(frames, finish(f, st, data.FrameTypeTimeSeriesWide))
	}
	return frames, nil
}

// costBilled is cost's billed view: per UTC day, CI Radar's estimate beside what GitHub's
// billing usage report (stored by the reconciler) says of Actions minutes. GitHub's gross
// amount is the list price of the minutes, the figure the estimate stands for; the net
// amount is what was charged after included minutes and discounts. Days without a report
// have no billed value. Filters on repositories apply to both sides; other filters to the
// estimate only.
func costBilled(ctx context.Context, env Env, req Request, fl Filters, rates Rates) (data.Frames, error) {
	dayReq := req
	dayReq.From, dayReq.To = req.From.UTC().Truncate(day), ceilDay(req.To)
	g := newGrid(dayReq.From, dayReq.To.Add(-time.Nanosecond), day)
	p, err := planFor(ctx, env.DB, dayReq, day, onlyFilters(fl, "repos"))
	if err != nil {
		return nil, err
	}
	st := newStmt("cost")
	costRows(st, dayReq, p, fl, "repo", day)
	rows, err := readCostRows(ctx, env, st)
	if err != nil {
		return nil, err
	}
	est := make([]priced, len(g.times))
	for _, c := range rows {
		if i := g.index(c.t); i >= 0 && i < len(est) {
			est[i].add(rates.price(c.labelKey, c.visibility, float64(c.minutes)))
		}
	}
	bill := newStmt("cost_billed")
	bill.add("SELECT day::timestamp AT TIME ZONE 'UTC', sum(gross_amount), sum(net_amount), sum(quantity) FROM billing_usage\n",
		"WHERE day >= ", bill.arg(dayReq.From), "::date AND day < ", bill.arg(dayReq.To), "::date",
		" AND lower(product) = 'actions' AND lower(unit_type) = 'minutes'")
	// The bill is GitHub's: a forges filter without github leaves none.
	fl.where(bill, filterTarget{"orgs": "org = ANY(%s)", "repos": "repository = ANY(%s)", "forges": "'github' = ANY(%s)"})
	bill.add("\nGROUP BY 1")
	gross, net, minutes := make([]*float64, len(g.times)), make([]*float64, len(g.times)), make([]*float64, len(g.times))
	err = collect(ctx, env.DB, bill, func(r pgx.Rows) error {
		var t time.Time
		var gr, n, q float64
		if err := r.Scan(&t, &gr, &n, &q); err != nil {
			return err
		}
		if i := g.index(t); i >= 0 && i < len(gross) {
			gross[i], net[i], minutes[i] = fp(gr), fp(n), fp(q)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	f := data.NewFrame("cost_billed", data.NewField("time", nil, g.times),
		unit(data.NewField("cost", nil, make([]float64, len(g.times))), "currencyUSD"),
		unit(data.NewField("billed", nil, gross), "currencyUSD"),
		unit(data.NewField("billed_net", nil, net), "currencyUSD"),
		unit(data.NewField("billable_minutes", nil, make([]float64, len(g.times))), "m"),
		unit(data.NewField("billed_minutes", nil, minutes), "m"))
	for i, e := range est {
		f.Fields[1].Set(i, e.cost)
		f.Fields[4].Set(i, e.billable)
	}
	st.add(";\n", bill.sql())
	return data.Frames{finish(f, st, data.FrameTypeTimeSeriesWide)}, nil
}

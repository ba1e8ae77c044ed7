package query

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// costModel is the cost query: GitHub's billing rules applied to the jobs created in the
// range, priced with the data source's rate table (cost_rates.go).
type costModel struct {
	common
	// View is "top" (a table per value of Dimension, ranked by Metric), "over_time" (the
	// totals per bucket, or the top values' series when Dimension is set), "unpriced"
	// (the label sets no rate names) or "billed" (GitHub's billed figure per day beside the
	// estimate, cost_billed.go).
	View      string `json:"view"`
	Dimension string `json:"dimension"`
	Metric    string `json:"metric"`
	Limit     int    `json:"limit"`
}

// costDims maps a dimension to its column on workflow_jobs j (joined to its run r), its
// dim in rollup_cost_day, and the filter that may be set while reading the rollups.
var costDims = map[string]struct{ col, filter string }{
	"repo": {"j.repo", "repos"}, "workflow": {"j.workflow_name", "workflows"},
	"label": {"j.label_key", "labels"}, "event": {"coalesce(r.event, '')", "events"},
	// total is one value for every job (migration 0026): the over_time totals without a
	// filter, which need no dimension's rows.
	"total": {"''", ""},
}

// costRow is one group as the database returns it: a bucket (zero for tables), a value of
// the dimension, a label set and a visibility, with their jobs and whole minutes.
type costRow struct {
	t                           time.Time
	value, labelKey, visibility string
	jobs, minutes               int64
}

// Cost answers cost. Minutes are each job's run time (started to completed, on a runner)
// rounded up to the whole minute, job by job, as GitHub bills them; jobs count at the time
// they were created, like the other job statistics, so that rollup days add up.
//
// Over long ranges the minutes come from rollup_cost_day and rollup_cost_hour (migration
// 0018), which keep the label set and visibility beside each value: the price is applied
// here, so a changed rate re-prices the whole history.
func Cost(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m costModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	view, err := oneOf("view", m.View, "top", "top", "over_time", "unpriced", "billed")
	if err != nil {
		return nil, err
	}
	dim, err := oneOf("dimension", m.Dimension, "", "repo", "workflow", "label", "event")
	if err != nil {
		return nil, err
	}
	metric, err := oneOf("metric", m.Metric, "cost", "cost", "billable_minutes")
	if err != nil {
		return nil, err
	}
	limit, err := limitOf(m.Limit, 10, 1000)
	if err != nil {
		return nil, err
	}
	rates := env.Rates
	if rates.byLabel == nil {
		rates = DefaultRateTable()
	}
	switch view {
	case "over_time":
		return costOverTime(ctx, env, req, m.Filters, rates, dim, metric, limit)
	case "billed":
		return costBilled(ctx, env, req, m.Filters, rates)
	case "unpriced":
		dim = "label"
	}
	if dim == "" {
		dim = "repo"
	}
	st := newStmt("cost")
	p, err := planDayHours(ctx, env.DB, req, onlyFilters(m.Filters, costDims[dim].filter))
	if err != nil {
		return nil, err
	}
	costRows(st, req, p, m.Filters, dim, 0)
	rows, err := readCostRows(ctx, env, st)
	if err != nil {
		return nil, err
	}
	if view == "unpriced" {
		return costUnpriced(rows, rates, st), nil
	}
	return repoDimURLs(ctx, env, req, dim, costTop(rows, rates, dim, metric, limit, st), nil)
}

// costRows writes the groups of req under plan p: the projections for what p leaves to
// them, the rollups for the rest. bucket 0 puts every row in one bucket (the epoch). The
// database sums the parts per bucket, value, label set and visibility, so that each is
// priced once: a 90-day table read 100,000 daily rows to return 1,200 groups.
func costRows(st *stmt, req Request, p plan, fl Filters, dim string, bucket time.Duration) {
	d := costDims[dim]
	st.add("SELECT t, value, label_key, visibility, sum(jobs)::bigint, sum(minutes)::bigint FROM (\n  ")
	defer st.add("\n) c (t, value, label_key, visibility, jobs, minutes) GROUP BY 1, 2, 3, 4")
	at := func(col string) string {
		if bucket == 0 {
			return "to_timestamp(0)"
		}
		return "date_bin(" + st.arg(seconds(bucket)) + "::interval, " + col + ", " + st.arg(bucketOrigin) + ")"
	}
	unionParts(st, req, p, func(w window) {
		// The same jobs and minutes as cost_jobs (migration 0018), with the query's filters.
		st.add("(SELECT ", at("j.created_at"), ", ", d.col, ", j.label_key, j.repo_visibility, count(*),\n",
			"    sum(ceil(greatest(extract(epoch FROM j.completed_at - j.started_at), 0) / 60))::bigint\n",
			"  FROM workflow_jobs j LEFT JOIN workflow_runs r ON r.run_id = j.run_id AND r.run_attempt = j.run_attempt AND r.forge = j.forge\n",
			"  WHERE j.created_at >= ", st.arg(w.from), " AND j.created_at < ", st.arg(w.to),
			" AND j.status = 'completed' AND j.runner_name <> ''\n",
			"    AND j.started_at IS NOT NULL AND j.completed_at IS NOT NULL")
		fl.where(st, jobFilters)
		st.add("\n  GROUP BY 1, 2, 3, 4)")
	}, func(from, to string) {
		dimArg := st.arg(dim)
		where := func() {
			st.add(" AND r.dim = ", dimArg)
			fl.where(st, filterTarget{d.filter: "r.value = ANY(%s)"})
		}
		if p.hoursFrom.IsZero() { // an hourly or 10-minute plan (over_time): those only
			st.add("SELECT ", at("r.hour"), ", r.value, r.label_key, r.visibility, r.jobs, r.minutes FROM ", p.table("rollup_cost_hour"), " r",
				" WHERE r.hour >= ", from, " AND r.hour < ", to)
			where()
			return
		}
		dayHourRows(st, p, from, to, "to_timestamp(0), r.value, r.label_key, r.visibility, r.jobs, r.minutes",
			"rollup_cost_day", "rollup_cost_hour", where)
	})
}

func readCostRows(ctx context.Context, env Env, st *stmt) ([]costRow, error) {
	var rows []costRow
	in := interner{}
	var value, labelKey, vis []byte
	err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var c costRow
		if err := r.Scan(&c.t, &value, &labelKey, &vis, &c.jobs, &c.minutes); err != nil {
			return err
		}
		c.value, c.labelKey, c.visibility = in.get(value), in.get(labelKey), in.get(vis)
		rows = append(rows, c)
		return nil
	})
	return rows, err
}

// costTotal is one value's figures.
type costTotal struct {
	value string
	jobs  int64
	priced
}

// totals prices the rows and sums them per value.
func totals(rows []costRow, rates Rates) map[string]*costTotal {
	out := map[string]*costTotal{}
	for _, c := range rows {
		t := out[c.value]
		if t == nil {
			t = &costTotal{value: c.value}
			out[c.value] = t
		}
		t.jobs += c.jobs
		t.add(rates.price(c.labelKey, c.visibility, float64(c.minutes)))
	}
	return out
}

// ranked orders totals by the metric, descending, then by value.
func ranked(m map[string]*costTotal, metric string) []*costTotal {
	out := make([]*costTotal, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	key := func(t *costTotal) float64 {
		if metric == "billable_minutes" {
			return t.billable
		}
		return t.cost
	}
	slices.SortFunc(out, func(a, b *costTotal) int {
		if c := cmp.Compare(key(b), key(a)); c != 0 {
			return c
		}
		return cmp.Compare(a.value, b.value)
	})
	return out
}

func costTop(rows []costRow, rates Rates, dim, metric string, limit int, st *stmt) data.Frames {
	f := costFrame("cost", dim)
	for _, t := range ranked(totals(rows, rates), metric) {
		if limit == 0 {
			break
		}
		limit--
		f.AppendRow(t.value, float64(t.jobs), t.billable, t.cost, t.selfHosted, t.unpriced)
	}
	return data.Frames{finish(f, st, data.FrameTypeTable)}
}

// costUnpriced lists the hosted label sets no rate names, most minutes first: they cost 0
// in every other view, and this is where a person sees what to add to the table.
func costUnpriced(rows []costRow, rates Rates, st *stmt) data.Frames {
	f := costFrame("cost_unpriced", "label")
	list := ranked(totals(rows, rates), "cost")
	slices.SortStableFunc(list, func(a, b *costTotal) int { return cmp.Compare(b.unpriced, a.unpriced) })
	for _, t := range list {
		if t.unpriced > 0 {
			f.AppendRow(t.value, float64(t.jobs), t.billable, t.cost, t.selfHosted, t.unpriced)
		}
	}
	return data.Frames{finish(f, st, data.FrameTypeTable)}
}

func costFrame(name, dim string) *data.Frame {
	return data.NewFrame(name,
		data.NewField(dim, nil, []string{}),
		data.NewField("jobs", nil, []float64{}),
		unit(data.NewField("billable_minutes", nil, []float64{}), "m"),
		unit(data.NewField("cost", nil, []float64{}), "currencyUSD"),
		unit(data.NewField("self_hosted_minutes", nil, []float64{}), "m"),
		unit(data.NewField("unpriced_minutes", nil, []float64{}), "m"),
	)
}

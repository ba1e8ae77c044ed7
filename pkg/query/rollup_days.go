package query

import (
	"context"
	"time"
)

// Daily rollups (migration 0008) serve the query types that answer a table over the whole
// range (runners, repo_stats, flaky_jobs): a range reads the final whole days from them and
// the rest, a part day at either end and anything at or after the watermark, from the
// projections, each part computed as the rollups compute a day. repo_stats and flaky_jobs
// have hourly rollups too (0011), which serve the final whole hours of those part days.

const day = 24 * time.Hour

// planDayHours plans a query that has daily and hourly rollups (repo_stats, flaky_jobs,
// runners): when at least minRolled of the range is final, its final whole days come from the daily
// rollups, the final whole hours around them from the hourly ones, and only the partial
// hours at the ends and anything at or after the watermark from the projections. A range
// with no whole final day reads hours only (rolledFrom = rolledTo).
func planDayHours(ctx context.Context, db DB, req Request, supported bool) (plan, error) {
	return planDayHoursMin(ctx, db, req, supported, minRolled)
}

// planDayHoursMin is planDayHours reading rollups once at least atLeast of the range's hours
// are final: the queries whose raw reads cost the most within a day (steps, the table
// panels) ask for less than minRolled.
func planDayHoursMin(ctx context.Context, db DB, req Request, supported bool, atLeast time.Duration) (plan, error) {
	// The final whole hours are what an hourly plan would read; the days are cut from them.
	h, err := finalSpan(ctx, db, req, supported, time.Hour, atLeast)
	if err != nil || !h.use {
		return plan{}, err
	}
	p := plan{use: true, hoursFrom: h.rolledFrom, hoursTo: h.rolledTo}
	p.rolledFrom, p.rolledTo = ceilDay(p.hoursFrom), p.hoursTo.Truncate(day)
	if !p.rolledTo.After(p.rolledFrom) {
		p.rolledFrom, p.rolledTo = p.hoursTo, p.hoursTo
	}
	return p, nil
}

func ceilDay(t time.Time) time.Time { return ceilTo(t, day) }

// window is a part of a range read from the projections: [from, to), and the time from
// which a job's start counts it there (a job started earlier is counted by the part or day
// it started in; the first part counts every job it sees).
type window struct {
	from, to, countFrom time.Time
}

// unionParts writes the parts of req under p as one UNION ALL: raw for each part the
// projections answer (rawWindows), then, when p reads rollups, rolled with the placeholders
// of its rolled span.
func unionParts(st *stmt, req Request, p plan, raw func(window), rolled func(from, to string)) {
	for i, w := range rawWindows(req, p) {
		if i > 0 {
			st.add("\n  UNION ALL ")
		}
		raw(w)
	}
	if p.use {
		st.add("\n  UNION ALL ")
		rolled(st.arg(p.rolledFrom), st.arg(p.rolledTo))
	}
}

// rawWindows are the parts of req that plan p leaves to the projections: the whole range
// when p reads no rollups, else the part before the rolled span and the part after it
// (either may be empty, and is still read: it finds the jobs that overlap the span).
func rawWindows(req Request, p plan) []window {
	if !p.use {
		return []window{{req.From, req.To, time.Time{}}}
	}
	from, to := p.outer()
	return []window{{req.From, from, time.Time{}}, {to, req.To, to}}
}

// dayHourRows writes the rolled part of a plan from planDayHours: cols of the daily rollup
// days for the days [from, to) and of its hourly twin hours for the hours around them, with
// where writing the same conditions (" AND ...") after each.
func dayHourRows(st *stmt, p plan, from, to, cols, days, hours string, where func()) {
	st.add("SELECT ", cols, " FROM ", days, " r WHERE r.day >= ", from, " AND r.day < ", to)
	where()
	st.add("\n  UNION ALL SELECT ", cols, " FROM ", hours, " r\n",
		"  WHERE (r.hour >= ", st.arg(p.hoursFrom), " AND r.hour < ", from, " OR r.hour >= ", to, " AND r.hour < ", st.arg(p.hoursTo), ")")
	where()
}

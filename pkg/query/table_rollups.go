package query

import (
	"context"
	"math"
	"time"
)

// The table panels org_overview and runner_builds read the daily and hourly rollups of
// migration 0034 (rollup_overview_*, rollup_build_*) as repo_stats reads its own (0011): final
// whole days from the days, the final whole hours around them from the hours, and the
// partial hours at the ends, with anything at or after the watermark, from the projections.

// minTableRolled is the fewest final hours worth reading from these rollups. Lower than
// minRolled: a day ending now has 23 final hours, and reading its runs and jobs raw took
// org_overview a hundred milliseconds and more at a million jobs; the counts are exact
// either way, and only the queue-time percentile moves, within the histograms' 1%.
const minTableRolled = 6 * time.Hour

// planTables is planDayHours with minTableRolled in place of minRolled, for org_overview,
// runner_builds and repo_stats. A scoped request reads no rollups (see planFor); repo_stats
// asks with repoSplit for its repository rows, as before.
func planTables(ctx context.Context, db DB, req Request, supported bool) (plan, error) {
	return planDayHoursMin(ctx, db, req, supported, minTableRolled)
}

// percentileCont is percentile_cont(p) of h: the value at position p·(n-1) among the
// sorted values, interpolated between the two around it, each the value of its bucket
// (histValue). Each is within 1% of the value it stands for, and so is the interpolation.
// nil when h is empty.
func (h *hist) percentileCont(p float64) *float64 {
	if h.n == 0 {
		return nil
	}
	pos := p * float64(h.n-1)
	lo := int64(math.Floor(pos))
	hi := min(lo+1, h.n-1)
	var vlo, vhi float64
	seen, found := int64(0), false
	for k, c := range h.counts {
		seen += c
		if !found && seen > lo {
			vlo, found = histValue(k), true
		}
		if seen > hi {
			vhi = histValue(k)
			break
		}
	}
	v := vlo + (pos-float64(lo))*(vhi-vlo)
	return &v
}

package query

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// stepsModel is the steps query: the steps of completed jobs created in the range
// (job_steps and step_keys, migrations 0017 and 0037).
type stepsModel struct {
	common
	// View is "slowest" (a table per workflow, job and step name: runs, failures, p50, p95
	// and max duration), "duration" (p50/p95/max per bucket, a series per step), "failing"
	// (failed jobs and the first step that failed) or "warnings" (jobs that passed while a
	// step failed under continue-on-error).
	View  string   `json:"view"`
	Jobs  []string `json:"jobs"`  // job names
	Steps []string `json:"steps"` // step names
	Limit int      `json:"limit"`
	// only, when set, keeps exactly these steps (the duration view's chosen ones).
	only []stepKey
}

// stepRollupFilters applies to rollup_step_day and rollup_step_hour aliased r, which keep
// the workflow, job and step names; any other filter sends the query to the projections.
var stepRollupFilters = filterTarget{"workflows": "r.workflow_name = ANY(%s)"}

// stepKey is one step of the answer: the query groups by workflow, job and step name.
type stepKey struct{ workflow, job, step string }

func (k stepKey) String() string { return k.workflow + " / " + k.job + " / " + k.step }

// Steps answers steps. From stepMinRolled of final hours on, the final whole days and hours
// come from rollup_step_day and rollup_step_hour, whose percentiles are histograms (within
// 1%, and never above the exact maximum); shorter ranges read the projections and are exact.
func Steps(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m stepsModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	view, err := oneOf("view", m.View, "slowest", "slowest", "duration", "failing", "warnings")
	if err != nil {
		return nil, err
	}
	def := map[string]int{"slowest": 20, "duration": 10, "failing": 500, "warnings": 500}[view]
	if m.Limit, err = limitOf(m.Limit, def, 5000); err != nil {
		return nil, err
	}
	switch view {
	case "slowest":
		return slowestSteps(ctx, env, req, m)
	case "duration":
		return stepDurations(ctx, env, req, m)
	}
	return failingSteps(ctx, env, req, m, view == "warnings")
}

// names adds the job and step name filters, given the workflow, job and step columns.
func (m stepsModel) names(st *stmt, workflow, job, step string) {
	if v := values(m.Jobs); v != nil {
		st.add(" AND ", job, " = ANY(", st.arg(v), ")")
	}
	if v := values(m.Steps); v != nil {
		st.add(" AND ", step, " = ANY(", st.arg(v), ")")
	}
	if len(m.only) > 0 {
		var wfs, jobs, steps []string
		for _, k := range m.only {
			wfs, jobs, steps = append(wfs, k.workflow), append(jobs, k.job), append(steps, k.step)
		}
		st.add(" AND (", workflow, ", ", job, ", ", step, ") IN (SELECT * FROM unnest(", st.arg(wfs), "::text[], ",
			st.arg(jobs), "::text[], ", st.arg(steps), "::text[]))")
	}
}

// stepRows writes the FROM and WHERE of the steps of completed jobs created in [from, to),
// as rollup_step_days (migration 0037) reads them: s.duration_s, and sk.name and
// sk.conclusion from step_keys.
func (m stepsModel) stepRows(st *stmt, from, to time.Time) {
	// Each job's row of job_steps through the primary key: OFFSET 0 keeps the planner from
	// making this a hash join over every job's steps. The keys' texts by a hash join on
	// step_keys, which is small.
	st.add("FROM workflow_jobs j CROSS JOIN LATERAL (SELECT u.key, greatest(date_part('epoch', u.completed - u.started), 0) AS duration_s\n",
		"    FROM job_steps js, unnest(js.keys, js.started, js.completed) AS u(key, started, completed)\n",
		"    WHERE js.job_id = j.job_id AND u.started IS NOT NULL AND u.completed IS NOT NULL OFFSET 0) s\n",
		"  JOIN step_keys sk ON sk.id = s.key\n",
		// Steps are GitHub's only: a GitLab job with the same id has none of these.
		"  WHERE j.forge = 'github' AND j.created_at >= ", st.arg(from), " AND j.created_at < ", st.arg(to), " AND j.status = 'completed'")
	m.Filters.where(st, jobFilters)
	m.names(st, "j.workflow_name", "j.job_name", "sk.name")
}

// stepHist writes, over the rows of stepRows grouped by keys (SQL expressions), rows of
// the rollups' columns (keys..., runs, failures, max, sum, gap-coded histogram): one for
// each histogram bucket a group has, its histogram that bucket alone. The reader merges a
// group's rows as it merges rollup rows. Each group's histogram built in SQL (a window over
// its buckets, then string_agg) was most of the time of the raw hour every long range
// reads (40-60 of about 100 ms at a million jobs, under load).
func (m stepsModel) stepHist(st *stmt, keys []string, from, to time.Time) {
	group := strings.Join(keys, ", ")
	st.add("(SELECT ", group, ", count(*)::int8, (count(*) FILTER (WHERE sk.conclusion = 'failure'))::int8, max(s.duration_s), sum(s.duration_s),\n",
		"  rollup_varint(rollup_bucket(s.duration_s)) || rollup_varint(count(*)::int)\n  ")
	m.stepRows(st, from, to)
	st.add("\n  GROUP BY ", group, ", rollup_bucket(s.duration_s))")
}

// stepStats are one group's figures, merged from rollups and raw parts.
type stepStats struct {
	runs, failures int64
	max, sum       float64
	h              hist
}

func (s *stepStats) add(runs, failures int64, mx, sum float64, enc []byte) error {
	s.runs, s.failures, s.sum = s.runs+runs, s.failures+failures, s.sum+sum
	s.max = max(s.max, mx)
	return s.h.mergeGaps(enc)
}

// percentiles are p50 and p95 from the histogram, never above the exact maximum.
func (s *stepStats) percentiles() (p50, p95 float64) {
	s.h.max = s.max // mergeGaps knows no maximum; the rows carry the exact one
	p := s.h.percentiles(0.5, 0.95)
	return p[0], p[1]
}

func slowestSteps(ctx context.Context, env Env, req Request, m stepsModel) (data.Frames, error) {
	f := data.NewFrame("steps",
		data.NewField("workflow", nil, []string{}), data.NewField("job", nil, []string{}), data.NewField("step", nil, []string{}),
		data.NewField("runs", nil, []float64{}), data.NewField("failures", nil, []float64{}),
		unit(data.NewField("p50", nil, []*float64{}), "s"), unit(data.NewField("p95", nil, []*float64{}), "s"),
		unit(data.NewField("max", nil, []*float64{}), "s"))
	p, err := planSteps(ctx, env.DB, req, onlyFilters(m.Filters, "workflows"))
	if err != nil {
		return nil, err
	}
	if !p.use {
		st := newStmt("steps")
		st.add("SELECT j.workflow_name, j.job_name, sk.name, count(*)::float8, (count(*) FILTER (WHERE sk.conclusion = 'failure'))::float8,\n",
			"  percentile_disc(0.5) WITHIN GROUP (ORDER BY s.duration_s), percentile_disc(0.95) WITHIN GROUP (ORDER BY s.duration_s),\n",
			"  max(s.duration_s)\n")
		m.stepRows(st, req.From, req.To)
		st.add("\nGROUP BY 1, 2, 3 ORDER BY 7 DESC, 1, 2, 3 LIMIT ", st.arg(m.Limit))
		return table(ctx, env.DB, st, f)
	}
	by, st, err := stepTotals(ctx, env, req, m, p)
	if err != nil {
		return nil, err
	}
	type row struct {
		stepKey
		s        *stepStats
		p50, p95 float64
	}
	rows := make([]row, 0, len(by))
	for k, s := range by {
		p50, p95 := s.percentiles()
		rows = append(rows, row{k, s, p50, p95})
	}
	// The projections' order: p95 descending, then the names.
	slices.SortFunc(rows, func(a, b row) int {
		return cmp.Or(cmp.Compare(b.p95, a.p95), cmp.Compare(a.workflow, b.workflow), cmp.Compare(a.job, b.job), cmp.Compare(a.step, b.step))
	})
	for _, r := range rows[:min(m.Limit, len(rows))] {
		f.AppendRow(r.workflow, r.job, r.step, float64(r.s.runs), float64(r.s.failures), fp(r.p50), fp(r.p95), fp(r.s.max))
	}
	return data.Frames{finish(f, st, data.FrameTypeTable)}, nil
}

// stepTotals merges every step's figures over the range under plan p (planSteps): the
// final days and hours from the rollups, the rest from the projections.
func stepTotals(ctx context.Context, env Env, req Request, m stepsModel, p plan) (map[stepKey]*stepStats, *stmt, error) {
	st := newStmt("steps")
	unionParts(st, req, p, func(w window) {
		m.stepHist(st, []string{"j.workflow_name", "j.job_name", "sk.name"}, w.from, w.to)
	}, func(from, to string) {
		dayHourRows(st, p, from, to, "r.workflow_name, r.job_name, r.step_name, r.runs, r.failures, r.max_s, r.sum_s, r.hist",
			"rollup_step_day", "rollup_step_hour", func() {
				m.Filters.where(st, stepRollupFilters)
				m.names(st, "r.workflow_name", "r.job_name", "r.step_name")
			})
	})
	by := map[stepKey]*stepStats{}
	var k stepKey
	var runs, failures int64
	var mx, sum float64
	// The histogram is merged where it lies, in the driver's buffer, never copied.
	var enc pgtype.DriverBytes
	err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
		if err := r.Scan(&k.workflow, &k.job, &k.step, &runs, &failures, &mx, &sum, &enc); err != nil {
			return err
		}
		s := by[k]
		if s == nil {
			s = &stepStats{}
			by[k] = s
		}
		return s.add(runs, failures, mx, sum, enc)
	})
	return by, st, err
}

// stepDurations answers the duration view: a series per workflow, job and step, for the
// limit steps with the most time in the range. When the range reads rollups, those steps
// are chosen first, from their summed time alone (stepSums: mostly daily rollups, no
// histogram), and only their hours are read: every step's hours over 90 days would be most
// of a million rows.
func stepDurations(ctx context.Context, env Env, req Request, m stepsModel) (data.Frames, error) {
	// Buckets are an hour at least: a step's trend needs no finer grain, and from a few
	// hours' range on they come from the hourly rollups (a 7-day panel's 10-minute buckets
	// read 770,000 steps at a million jobs over 90 days).
	bucket := max(bucketFor(req), time.Hour)
	p, err := planSteps(ctx, env.DB, req, onlyFilters(m.Filters, "workflows"))
	if err != nil {
		return nil, err
	}
	var keep map[string]bool
	if p.use {
		sums, tst, err := stepSums(ctx, env, req, m, p)
		if err != nil {
			return nil, err
		}
		named := make(map[string]float64, len(sums))
		for k, s := range sums {
			named[k.String()] = s
		}
		keep = topSteps(named, m.Limit)
		var found bool
		if m, found = m.narrowed(sums, keep); !found {
			return (&groupedSeries{fields: []string{"p50", "p95", "max", "runs"}}).result("steps", tst), nil
		}
	}
	st := newStmt("steps")
	b, origin := st.arg(seconds(bucket)), st.arg(bucketOrigin)
	group := "j.workflow_name || ' / ' || j.job_name || ' / ' || sk.name"
	t := "date_bin(" + b + "::interval, j.created_at, " + origin + ")"
	for i, w := range rawWindows(req, p) {
		if i > 0 {
			st.add("\n  UNION ALL ")
		}
		m.stepHist(st, []string{group, t}, w.from, w.to)
	}
	if p.use {
		// The chosen steps' hours, one index-only range of rollup_step_hour_step_idx (migration
		// 0037) per step.
		from, to := p.outer()
		var wfs, jobs, steps []string
		for _, k := range m.only {
			wfs, jobs, steps = append(wfs, k.workflow), append(jobs, k.job), append(steps, k.step)
		}
		// LATERAL with OFFSET 0: joined, the planner hashed the few steps against a parallel
		// scan of every hour of every step (0.45 s of a 90-day panel at a million jobs).
		st.add("\n  UNION ALL SELECT k.w || ' / ' || k.j || ' / ' || k.s, date_bin(", b, "::interval, r.hour, ", origin, "),\n",
			"  r.runs, r.failures, r.max_s, r.sum_s, r.hist FROM unnest(", st.arg(wfs), "::text[], ", st.arg(jobs), "::text[], ",
			st.arg(steps), "::text[]) k(w, j, s)\n",
			"  CROSS JOIN LATERAL (SELECT * FROM rollup_step_hour r WHERE r.workflow_name = k.w AND r.job_name = k.j AND r.step_name = k.s\n",
			"    AND r.hour >= ", st.arg(from), " AND r.hour < ", st.arg(to), " OFFSET 0) r")
	}
	// A point keeps its rows' histograms as they came (copied out of the driver's buffer),
	// and only the kept steps' points are merged, each into one reused histogram: a
	// histogram a point (4 KB of buckets each) was most of the plugin's own work over 30
	// days and more, where most points have one or two rows.
	type point struct {
		group int // index into names
		t     int64
	}
	type pointStats struct {
		runs int64
		max  float64
		encs [][]byte
	}
	names, ids := []string{}, map[string]int{}
	by := map[point]*pointStats{}
	var total []float64
	var gb, enc pgtype.DriverBytes
	var at time.Time
	var runs, failures int64
	var mx, sum float64
	err = collect(ctx, env.DB, st, func(r pgx.Rows) error {
		if err := r.Scan(&gb, &at, &runs, &failures, &mx, &sum, &enc); err != nil {
			return err
		}
		g, ok := ids[string(gb)]
		if !ok {
			g = len(names)
			names = append(names, string(gb))
			ids[names[g]] = g
			total = append(total, 0)
		}
		pt := point{g, at.UnixMicro()}
		ps := by[pt]
		if ps == nil {
			ps = &pointStats{}
			by[pt] = ps
		}
		if ps.runs == 0 || mx > ps.max {
			ps.max = mx
		}
		ps.runs += runs
		ps.encs = append(ps.encs, slices.Clone(enc))
		total[g] += sum
		return nil
	})
	if err != nil {
		return nil, err
	}
	if keep == nil {
		sums := make(map[string]float64, len(names))
		for g, n := range names {
			sums[n] = total[g]
		}
		keep = topSteps(sums, m.Limit)
	}
	pts := make([]point, 0, len(by))
	for k := range by {
		if keep[names[k.group]] {
			pts = append(pts, k)
		}
	}
	slices.SortFunc(pts, func(a, b point) int {
		return cmp.Or(cmp.Compare(names[a.group], names[b.group]), cmp.Compare(a.t, b.t))
	})
	series := &groupedSeries{label: "step", fields: []string{"p50", "p95", "max", "runs"}}
	var h hist
	for _, k := range pts {
		ps := by[k]
		h.reset()
		for _, e := range ps.encs {
			if err := h.mergeGaps(e); err != nil {
				return nil, err
			}
		}
		h.max = ps.max // mergeGaps knows no maximum; the rows carry the exact one
		p := h.percentiles(0.5, 0.95)
		series.add(names[k.group], time.UnixMicro(k.t).UTC(), cells(p[0], p[1], ps.max, float64(ps.runs))...)
	}
	frames := series.result("steps", st)
	for _, f := range frames {
		for _, fl := range f.Fields[1:4] {
			unit(fl, "s")
		}
	}
	return frames, nil
}

// topSteps are the n steps with the most time, ties by name.
func topSteps(sums map[string]float64, n int) map[string]bool {
	names := make([]string, 0, len(sums))
	for g := range sums {
		names = append(names, g)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(sums[b], sums[a]), cmp.Compare(a, b)) })
	keep := make(map[string]bool, n)
	for _, g := range names[:min(n, len(names))] {
		keep[g] = true
	}
	return keep
}

// narrowed restricts m to the kept steps, by (workflow, job, step) through the index on
// rollup_step_hour (migration 0017). With none kept there is nothing to read.
func (m stepsModel) narrowed(totals map[stepKey]float64, keep map[string]bool) (stepsModel, bool) {
	m.only = nil
	for k := range totals {
		if keep[k.String()] {
			m.only = append(m.only, k)
		}
	}
	slices.SortFunc(m.only, func(a, b stepKey) int { return cmp.Compare(a.String(), b.String()) })
	return m, len(m.only) > 0
}

// stepMinRolled is the shortest stretch of final hours the steps query reads from rollups.
// Shorter than other queries' minRolled: a day of steps read raw is about 110,000 rows at a
// million jobs (ten steps a job), and their exact percentiles took 0.7 s (slowest) to 2.5 s
// (duration) where the hourly rollups answer in milliseconds. Ranges under it stay exact.
const stepMinRolled = 2 * time.Hour

// planSteps is planDayHours with stepMinRolled in place of minRolled: the final whole days
// of the range from rollup_step_day, the final whole hours around them from
// rollup_step_hour, and the rest (the partial hours at the ends, anything at or after the
// watermark) from the projections. A scoped request reads no rollups (see planFor).
func planSteps(ctx context.Context, db DB, req Request, supported bool) (plan, error) {
	return planDayHoursMin(ctx, db, req, supported, stepMinRolled)
}

// stepSums is every step's summed duration over the range under plan p, for choosing the
// duration view's steps: stepTotals without the histograms, added up by Postgres.
func stepSums(ctx context.Context, env Env, req Request, m stepsModel, p plan) (map[stepKey]float64, *stmt, error) {
	st := newStmt("steps")
	st.add("SELECT g1, g2, g3, sum(t) FROM (")
	unionParts(st, req, p, func(w window) {
		st.add("SELECT j.workflow_name AS g1, j.job_name AS g2, sk.name AS g3, sum(s.duration_s) AS t\n  ")
		m.stepRows(st, w.from, w.to)
		st.add("\n  GROUP BY 1, 2, 3")
	}, func(from, to string) {
		dayHourRows(st, p, from, to, "r.workflow_name, r.job_name, r.step_name, r.sum_s",
			"rollup_step_day", "rollup_step_hour", func() {
				m.Filters.where(st, stepRollupFilters)
				m.names(st, "r.workflow_name", "r.job_name", "r.step_name")
			})
	})
	st.add("\n) x GROUP BY 1, 2, 3")
	sums := map[stepKey]float64{}
	var k stepKey
	var sum float64
	err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
		if err := r.Scan(&k.workflow, &k.job, &k.step, &sum); err != nil {
			return err
		}
		sums[k] = sum
		return nil
	})
	return sums, st, err
}

// failingSteps lists failed jobs with the first step that failed, or (warnings) the jobs
// that succeeded while a step failed, newest first.
func failingSteps(ctx context.Context, env Env, req Request, m stepsModel, warnings bool) (data.Frames, error) {
	st := newStmt("steps")
	w := webLinks(st, env).at("j.forge", "j.forge_url")
	st.add("SELECT j.job_id, j.completed_at, j.repo, j.workflow_name, j.job_name, nullif(j.failed_step, ''), j.conclusion,\n",
		"  greatest(extract(epoch FROM j.completed_at - j.started_at), 0)::float8, ", w.job("j.repo", "j.run_id", "j.job_id"), ", ", w.repo("j.repo"), "\n",
		"FROM workflow_jobs j WHERE j.created_at >= ", st.arg(req.From), " AND j.created_at < ", st.arg(req.To))
	if warnings {
		st.add(" AND j.passed_with_warnings") // the partial index of migration 0017
	} else {
		st.add(" AND j.status = 'completed' AND j.conclusion IN ", failed)
	}
	m.Filters.where(st, jobFilters)
	m.names(st, "j.workflow_name", "j.job_name", "j.failed_step")
	st.add("\nORDER BY j.created_at DESC, j.job_id DESC LIMIT ", st.arg(m.Limit))
	stepField := "failed_step"
	if warnings {
		stepField = "warning_step"
	}
	f := data.NewFrame("steps",
		data.NewField("job_id", nil, []int64{}), data.NewField("completed_at", nil, []*time.Time{}),
		data.NewField("repo", nil, []string{}), data.NewField("workflow", nil, []string{}), data.NewField("job", nil, []string{}),
		data.NewField(stepField, nil, []*string{}), data.NewField("conclusion", nil, []string{}),
		unit(data.NewField("duration_seconds", nil, []*float64{}), "s"),
		link(data.NewField("job_url", nil, []*string{}), "Open job"),
		link(data.NewField("repo_url", nil, []*string{}), "Open repository"))
	return table(ctx, env.DB, st, f)
}

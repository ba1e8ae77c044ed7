package query

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// histRows are the rows of a statement that answers (group, time, histogram, count, sum,
// maximum), several rows for each series point: the rollup's hours of a bucket and the raw
// edges. Their histograms are copied out of the driver's buffer into large chunks, and
// points are merged one at a time in a single reused hist, in group and time order.
//
// Merging into a hist per point as the rows came (in no useful order) allocated 4 KB of
// counts for each of a 90-day panel's ~4,300 points; that memory, the map of points, and
// the cache misses of coming back to each were most of queue_time's own CPU.
type histRows struct {
	groups []string // by first appearance; rows refer to them by index
	rows   []histRow
	chunks [][]byte // the copied histograms; the last one is being filled
}

// histChunkSize is the size of the chunks histograms are copied into. One buffer grown by
// append copied itself over and over (a 90-day panel holds 5 MB of histograms): that
// took more time than the merge.
const histChunkSize = 256 << 10

// histRow holds no pointer, so the garbage collector never scans the rows.
type histRow struct {
	group, chunk int32
	off, end     int32 // the histogram: chunks[chunk][off:end]
	t            int64 // unix seconds; series points start on whole seconds
	n            int64
	sum, max     float64
}

// collectHistRows runs st, whose columns are (group text, t timestamptz, hist bytea, n int8,
// sum float8, max float8), and keeps its rows.
func collectHistRows(ctx context.Context, db DB, st *stmt) (*histRows, error) {
	hr := &histRows{}
	index := map[string]int{}
	// Read in the driver's own buffer: the group is copied only when it is new, and the
	// histogram once, into a chunk.
	var grp, enc pgtype.DriverBytes
	var t time.Time
	var r histRow
	err := collect(ctx, db, st, func(rows pgx.Rows) error {
		if err := rows.Scan(&grp, &t, &enc, &r.n, &r.sum, &r.max); err != nil {
			return err
		}
		if len(enc)%histPairSize != 0 {
			return fmt.Errorf("histogram of %d bytes: not whole (bucket, count) pairs", len(enc))
		}
		gi, ok := index[string(grp)]
		if !ok {
			gi = len(hr.groups)
			hr.groups = append(hr.groups, string(grp))
			index[hr.groups[gi]] = gi
		}
		r.group, r.t = int32(gi), t.Unix()
		r.chunk, r.off, r.end = hr.keep(enc)
		hr.rows = append(hr.rows, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return hr, nil
}

// keep copies enc into the last chunk, starting a new one when it is full, and says where
// it went.
func (hr *histRows) keep(enc []byte) (chunk, off, end int32) {
	n := len(hr.chunks)
	if n == 0 || len(enc) > cap(hr.chunks[n-1])-len(hr.chunks[n-1]) {
		hr.chunks = append(hr.chunks, make([]byte, 0, max(histChunkSize, len(enc))))
		n++
	}
	c := &hr.chunks[n-1]
	o := len(*c)
	*c = append(*c, enc...)
	return int32(n - 1), int32(o), int32(len(*c))
}

// points merges each point's rows and calls emit with the merged histogram: for each
// group (its index in names, which are sorted), its points in time order. step is the
// series' bucket: every row's time lies on its grid. h is reused: emit must not keep it.
//
// Groups are merged side by side, up to one per CPU, once there are rows enough to be
// worth it: nothing else is left to do when the last row has come, so the merge adds
// directly to the panel's time. emit is then called concurrently for different groups,
// and must touch only what belongs to its group.
func (hr *histRows) points(step time.Duration, emit func(group int, t time.Time, h *hist)) (names []string, err error) {
	names, groups := hr.byGroup(int64(step / time.Second))
	workers := 1
	if len(hr.rows) >= histParallelRows {
		workers = min(runtime.GOMAXPROCS(0), len(groups))
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var h hist
			for g := w; g < len(groups) && errs[w] == nil; g += workers {
				errs[w] = hr.mergeGroup(g, groups[g], &h, emit)
			}
		})
	}
	wg.Wait()
	return names, errors.Join(errs...)
}

// histParallelRows is the fewest rows merged on more than one goroutine.
const histParallelRows = 2048

// mergeGroup merges one group's rows, in time order, point by point.
func (hr *histRows) mergeGroup(g int, rows []histRow, h *hist, emit func(group int, t time.Time, h *hist)) error {
	for i := 0; i < len(rows); {
		first := rows[i]
		h.reset()
		for ; i < len(rows) && rows[i].t == first.t; i++ {
			r := rows[i]
			if err := h.merge(hr.chunks[r.chunk][r.off:r.end], r.n, r.sum, r.max); err != nil {
				return err
			}
		}
		emit(g, time.Unix(first.t, 0).UTC(), h)
	}
	return nil
}

// byGroup returns the group names, sorted, and the rows of each group in that order, each group's rows in time
// order, by one counting pass over (group, time slot of step seconds). The rows arrive in
// a few runs of time order (the rollup's hours as stored, then the raw edges), and sorting
// them cost as much as the merge. Times off the grid, or a grid with far more slots than
// rows, fall back to counting by group and sorting each group by time.
func (hr *histRows) byGroup(step int64) ([]string, [][]histRow) {
	names := slices.Clone(hr.groups)
	slices.Sort(names)
	rank := make([]int, len(hr.groups))
	for gi, g := range hr.groups {
		rank[gi], _ = slices.BinarySearch(names, g)
	}
	per, tmin := hr.slots(step, len(names))
	slot := func(r histRow) int {
		if per == 1 {
			return rank[r.group]
		}
		return rank[r.group]*per + int((r.t-tmin)/step)
	}
	start := make([]int, per*len(names)+1)
	for _, r := range hr.rows {
		start[slot(r)+1]++
	}
	for i := range per * len(names) {
		start[i+1] += start[i]
	}
	sorted := make([]histRow, len(hr.rows))
	next := slices.Clone(start)
	for _, r := range hr.rows {
		k := slot(r)
		sorted[next[k]] = r
		next[k]++
	}
	out := make([][]histRow, len(names))
	byTime := func(a, b histRow) int { return cmp.Compare(a.t, b.t) }
	for i := range names {
		out[i] = sorted[start[i*per]:start[(i+1)*per]]
		if per == 1 && !slices.IsSortedFunc(out[i], byTime) {
			slices.SortFunc(out[i], byTime)
		}
	}
	return names, out
}

// slots says how many time slots of step seconds each group spans from tmin, the earliest
// time, or 1 when the rows cannot be placed by slot.
func (hr *histRows) slots(step int64, groups int) (per int, tmin int64) {
	if step <= 0 || len(hr.rows) == 0 {
		return 1, 0
	}
	tmin, tmax := hr.rows[0].t, hr.rows[0].t
	for _, r := range hr.rows {
		tmin, tmax = min(tmin, r.t), max(tmax, r.t)
	}
	n := (tmax-tmin)/step + 1
	if n*int64(groups) > 4*int64(len(hr.rows))+4096 {
		return 1, 0
	}
	for _, r := range hr.rows {
		if (r.t-tmin)%step != 0 {
			return 1, 0
		}
	}
	return int(n), tmin
}

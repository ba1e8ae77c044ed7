package query

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestHistRowsMergeEachPointWhateverTheRowOrder feeds histRows the same rows in several
// orders and checks every point against a merge done row by row into a hist of its own.
// Rows lie on a 3-hour grid; steps on it order them by time slot, steps off it (or none)
// by sorting.
func TestHistRowsMergeEachPointWhateverTheRowOrder(t *testing.T) {
	type row struct {
		group string
		hour  int64
		pairs [][2]int // bucket, count
		sum   float64
		max   float64
	}
	base := []row{
		{"linux", 0, [][2]int{{0, 2}, {40, 1}}, 3, 2.2},
		{"linux", 0, [][2]int{{3, 1}, {300, 4}}, 9000, 4000},
		{"linux", 3, [][2]int{{10, 1}}, 1.2, 1.2},
		{"arm", 0, [][2]int{{700, 1}}, 1e6, 1e6},
		{"arm", 3, [][2]int{}, 0, 0},
		{"", 6, [][2]int{{1, 5}, {2, 5}}, 10, 1.04},
		{"arm", 6, [][2]int{{20, 3}, {21, 3}, {22, 3}}, 14, 1.6},
		{"linux", 6, [][2]int{{5, 1}}, 1.1, 1.1},
		{"arm", 3, [][2]int{{600, 2}}, 2e5, 1.2e5},
	}
	reversed := slices.Clone(base)
	slices.Reverse(reversed)
	shuffled := slices.Clone(base)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	// Enough rows to be merged on several goroutines, several to a point.
	var many []row
	for i := range histParallelRows + 500 {
		many = append(many, row{fmt.Sprintf("pool-%d", i%5), 3 * int64(i/5%300),
			[][2]int{{i % 50, 1 + i%7}, {60 + i%40, 2}}, float64(i), float64(60 + i%40)})
	}
	manyReversed := slices.Clone(many)
	slices.Reverse(manyReversed)
	cases := []struct {
		name string
		rows []row
	}{
		{"as listed", base},
		{"many rows", many},
		{"many rows, reversed", manyReversed},
		{"reversed", reversed},
		{"shuffled", shuffled},
		{"one row", base[:1]},
		{"none", nil},
	}
	type point struct {
		group string
		t     time.Time
		n     int64
		max   float64
		ps    [4]float64
	}
	encode := func(pairs [][2]int) []byte {
		var enc []byte
		for _, p := range pairs {
			enc = binary.BigEndian.AppendUint16(enc, uint16(p[0]))
			enc = binary.BigEndian.AppendUint32(enc, uint32(p[1]))
		}
		return enc
	}
	steps := []struct {
		name string
		step time.Duration
	}{
		{"the grid's step", 3 * time.Hour}, {"a finer grid", 30 * time.Minute}, {"off the grid", 7000 * time.Second},
		{"coarser, off the grid", 4 * time.Hour}, {"no step", 0},
	}
	for _, c := range cases {
		for _, sc := range steps {
			t.Run(c.name+", "+sc.name, func(t *testing.T) {
				// The expected points: a hist per (group, hour), merged row by row.
				type key struct {
					group string
					hour  int64
				}
				want := map[key]*hist{}
				hr := &histRows{}
				index := map[string]int{}
				for _, r := range c.rows {
					n := int64(0)
					for _, p := range r.pairs {
						n += int64(p[1])
					}
					k := key{r.group, r.hour}
					if want[k] == nil {
						want[k] = &hist{}
					}
					if err := want[k].merge(encode(r.pairs), n, r.sum, r.max); err != nil {
						t.Fatal(err)
					}
					gi, ok := index[r.group]
					if !ok {
						gi = len(hr.groups)
						hr.groups = append(hr.groups, r.group)
						index[r.group] = gi
					}
					chunk, off, end := hr.keep(encode(r.pairs))
					hr.rows = append(hr.rows, histRow{group: int32(gi), chunk: chunk, off: off, end: end,
						t: r.hour * 3600, n: n, sum: r.sum, max: r.max})
				}
				byGroup := make([][]point, len(hr.groups))
				names, err := hr.points(sc.step, func(g int, ts time.Time, h *hist) {
					p := point{t: ts, n: h.n, max: h.max}
					h.percentilesInto(p.ps[:], queuePercentiles[:])
					byGroup[g] = append(byGroup[g], p)
				})
				if err != nil {
					t.Fatal(err)
				}
				var got []point
				for g, ps := range byGroup {
					for _, p := range ps {
						p.group = names[g]
						got = append(got, p)
					}
				}
				if len(got) != len(want) {
					t.Fatalf("%d points, want %d", len(got), len(want))
				}
				for i, p := range got {
					if i > 0 && (got[i-1].group > p.group || got[i-1].group == p.group && !got[i-1].t.Before(p.t)) {
						t.Errorf("point %d (%q, %s) is not after point %d (%q, %s)", i, p.group, p.t, i-1, got[i-1].group, got[i-1].t)
					}
					h := want[key{p.group, p.t.Unix() / 3600}]
					if h == nil {
						t.Fatalf("point (%q, %s) was never sent", p.group, p.t)
					}
					var ps [4]float64
					h.percentilesInto(ps[:], queuePercentiles[:])
					if p.n != h.n || p.max != h.max || p.ps != ps {
						t.Errorf("point (%q, %s): n %d, max %g, percentiles %v; want %d, %g, %v", p.group, p.t, p.n, p.max, p.ps, h.n, h.max, ps)
					}
				}
			})
		}
	}
}

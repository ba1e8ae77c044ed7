package query

import (
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// wide builds one wide frame from points sorted by time: one time field and one nullable
// field (named field) per series key, aligned on time; a series missing at a time is null.
// at gives a point's time, series key and value; labels gives a series' labels, and is
// asked once per series. The columns are built as slices and handed to the frame whole:
// appending cell by cell through the SDK's fields cost more than the query at 90 days.
func wide[P any](name string, pts []P, at func(P) (time.Time, string, float64), labels func(P) data.Labels, field string) *data.Frame {
	times := []time.Time{}
	rowOf := make([]int, len(pts))
	for i, p := range pts {
		if t, _, _ := at(p); len(times) == 0 || !t.Equal(times[len(times)-1]) {
			times = append(times, t)
		}
		rowOf[i] = len(times) - 1
	}
	type series struct {
		vals   []*float64
		labels data.Labels
	}
	byKey := map[string]*series{}
	values := make([]float64, len(pts)) // one allocation behind every cell
	for i, p := range pts {
		_, key, v := at(p)
		s := byKey[key]
		if s == nil {
			s = &series{vals: make([]*float64, len(times)), labels: labels(p)}
			byKey[key] = s
		}
		values[i] = v
		s.vals[rowOf[i]] = &values[i]
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	f := data.NewFrame(name, data.NewField("time", nil, times))
	for _, k := range keys {
		f.Fields = append(f.Fields, data.NewField(field, byKey[k].labels, byKey[k].vals))
	}
	return f
}

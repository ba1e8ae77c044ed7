package query

import (
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// wide builds one wide frame from points sorted by time: one time field and one nullable
// field (named field) per series key, aligned on time; a series missing at a time is null.
func wide[P any](name string, pts []P, split func(P) (time.Time, string, data.Labels, float64), field string) *data.Frame {
	f := data.NewFrame(name, data.NewField("time", nil, []time.Time{}))
	byKey := map[string]*data.Field{}
	var keys []string
	for _, p := range pts {
		_, key, labels, _ := split(p)
		if _, ok := byKey[key]; !ok {
			byKey[key] = data.NewField(field, labels, []*float64{})
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		f.Fields = append(f.Fields, byKey[k])
	}
	row := -1
	var last time.Time
	for _, p := range pts {
		t, key, _, v := split(p)
		if row < 0 || !t.Equal(last) {
			f.Fields[0].Append(t)
			for _, fl := range f.Fields[1:] {
				fl.Append((*float64)(nil))
			}
			row, last = row+1, t
		}
		byKey[key].Set(row, fp(v))
	}
	return f
}

package query

import (
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// finish stamps the frame conventions every answer follows: the frame type for alerting
// and panels, and the SQL that produced it.
func finish(f *data.Frame, st *stmt, typ data.FrameType) *data.Frame {
	f.Meta = &data.FrameMeta{Type: typ, TypeVersion: data.FrameTypeVersion{0, 1}}
	if st != nil {
		f.Meta.ExecutedQueryString = st.sql()
	}
	return f
}

// link makes a URL field clickable in tables: the field's own value is the target.
func link(f *data.Field, title string) *data.Field {
	f.Config = &data.FieldConfig{Links: []data.DataLink{{Title: title, URL: "${__value.raw}", TargetBlank: true}}}
	return f
}

// unit sets a display unit (Grafana's unit ids: "s", "percentunit", ...).
func unit(f *data.Field, u string) *data.Field {
	if f.Config == nil {
		f.Config = &data.FieldConfig{}
	}
	f.Config.Unit = u
	return f
}

// groupedSeries collects rows of (group, time, values...) sorted by group then time into
// one wide frame per group, the group carried as a label on every value field.
type groupedSeries struct {
	label  string   // label name, "" when ungrouped
	fields []string // value field names, in order
	groups []seriesGroup
}

// seriesGroup is one group's columns, handed to its frame whole in result.
type seriesGroup struct {
	name  string
	times []time.Time
	cols  [][]*float64
}

func (g *groupedSeries) add(group string, t time.Time, vals ...*float64) {
	if len(g.groups) == 0 || group != g.groups[len(g.groups)-1].name {
		g.groups = append(g.groups, seriesGroup{name: group, cols: make([][]*float64, len(g.fields))})
	}
	cur := &g.groups[len(g.groups)-1]
	cur.times = append(cur.times, t)
	for i, v := range vals {
		cur.cols[i] = append(cur.cols[i], v)
	}
}

// result returns the frames, or one empty typed frame when there were no rows: an empty
// answer must still say what it is, and what ran.
func (g *groupedSeries) result(name string, st *stmt) data.Frames {
	if len(g.groups) == 0 {
		f := data.NewFrame(name, data.NewField("time", nil, []time.Time{}))
		for _, n := range g.fields {
			f.Fields = append(f.Fields, data.NewField(n, nil, []*float64{}))
		}
		return data.Frames{finish(f, st, data.FrameTypeTimeSeriesWide)}
	}
	frames := make(data.Frames, 0, len(g.groups))
	for _, gr := range g.groups {
		var labels data.Labels
		if g.label != "" {
			labels = data.Labels{g.label: gr.name}
		}
		f := data.NewFrame(gr.name, data.NewField("time", nil, gr.times))
		for i, n := range g.fields {
			col := gr.cols[i]
			if col == nil {
				col = []*float64{}
			}
			f.Fields = append(f.Fields, data.NewField(n, labels, col))
		}
		frames = append(frames, finish(f, st, data.FrameTypeTimeSeriesWide))
	}
	return frames
}

func fp(v float64) *float64 { return &v }

// interner hands out one string for equal bytes: a column with few distinct values (pools,
// events) read in the driver's buffer is copied once, not once a row.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	in[s] = s
	return s
}

// cells returns pointers to copies of vals, all held in one allocation: series fields are
// nullable, and a pointer made for each value was an allocation for each value.
func cells(vals ...float64) []*float64 {
	block := make([]float64, len(vals))
	copy(block, vals)
	ptrs := make([]*float64, len(vals))
	for i := range block {
		ptrs[i] = &block[i]
	}
	return ptrs
}

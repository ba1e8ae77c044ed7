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
	frames []*data.Frame
	cur    string
}

func (g *groupedSeries) add(group string, t time.Time, vals ...*float64) {
	if len(g.frames) == 0 || group != g.cur {
		g.cur = group
		var labels data.Labels
		if g.label != "" {
			labels = data.Labels{g.label: group}
		}
		f := data.NewFrame(group, data.NewField("time", nil, []time.Time{}))
		for _, name := range g.fields {
			f.Fields = append(f.Fields, data.NewField(name, labels, []*float64{}))
		}
		g.frames = append(g.frames, f)
	}
	f := g.frames[len(g.frames)-1]
	f.Fields[0].Append(t)
	for i, v := range vals {
		f.Fields[i+1].Append(v)
	}
}

// result returns the frames, or one empty typed frame when there were no rows: an empty
// answer must still say what it is, and what ran.
func (g *groupedSeries) result(name string, st *stmt) data.Frames {
	if len(g.frames) == 0 {
		g.add("", time.Time{})
		f := g.frames[0]
		for _, fl := range f.Fields {
			fl.Extend(-1)
		}
		f.Name = name
	}
	for _, f := range g.frames {
		finish(f, st, data.FrameTypeTimeSeriesWide)
	}
	return g.frames
}

func fp(v float64) *float64 { return &v }

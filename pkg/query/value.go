package query

import (
	"slices"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// SelectValue applies the shared "value" field: an alert rule names the one measure it
// thresholds (p95 of queue_time, failure of build_results, newest_delivery_age_seconds of
// ingest_health), and gets only that field, with the time field, from every frame that has
// it. Without it a reduce would see p50 and p99 with the same labels as p95, and Grafana
// refuses series it cannot tell apart.
func SelectValue(req Request, frames data.Frames) (data.Frames, error) {
	var m struct {
		Value string `json:"value"`
	}
	if err := decode(req, &m); err != nil || m.Value == "" {
		return frames, err
	}
	var out data.Frames
	var names []string
	for _, f := range frames {
		var keep []*data.Field
		found := false
		for _, fl := range f.Fields {
			switch {
			case fl.Name == m.Value:
				keep, found = append(keep, fl), true
			case fl.Type().Time() && fl.Name == "time":
				keep = append(keep, fl)
			default:
				names = append(names, fl.Name)
			}
		}
		if found {
			nf := data.NewFrame(f.Name, keep...)
			nf.Meta = f.Meta
			out = append(out, nf)
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	if empty(frames) {
		return frames, nil // no data is an answer alerting understands, not an error
	}
	slices.Sort(names)
	return nil, badQuery("value %q is not a field of this answer: use one of %s", truncate(m.Value, 80), strings.Join(slices.Compact(names), ", "))
}

func empty(frames data.Frames) bool {
	for _, f := range frames {
		if len(f.Fields) > 0 && f.Rows() > 0 {
			return false
		}
	}
	return true
}

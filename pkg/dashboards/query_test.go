package dashboards

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/plugin"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// maxDataPoints stands in for a panel's width in pixels, which Grafana sends.
const maxDataPoints = 1000

// span is a query's time range, worked out from Grafana's relative syntax at now.
type span struct{ from, to time.Time }

// relative parses what the dashboards use: now, now-<n><unit>, now/d, and a panel's
// timeFrom <n><unit> (the last n units).
func relative(expr string, now time.Time) (time.Time, error) {
	switch {
	case expr == "now":
		return now, nil
	case expr == "now/d":
		return now.UTC().Truncate(24 * time.Hour), nil
	case strings.HasPrefix(expr, "now-"):
		d, err := duration(strings.TrimPrefix(expr, "now-"))
		return now.Add(-d), err
	}
	d, err := duration(expr)
	return now.Add(-d), err
}

// duration parses Grafana's durations, which have days and weeks.
func duration(s string) (time.Duration, error) {
	units := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}
	for u, d := range units {
		if n, ok := strings.CutSuffix(s, u); ok {
			if v, err := strconv.Atoi(n); err == nil && v > 0 {
				return time.Duration(v) * d, nil
			}
		}
	}
	return 0, fmt.Errorf("not a Grafana duration: %q", s)
}

// interval is the bucket Grafana asks for: the range over the data points, at least the
// panel's minimum interval.
func interval(r span, min string) (time.Duration, error) {
	iv := r.to.Sub(r.from) / maxDataPoints
	if min != "" {
		m, err := duration(min)
		if err != nil {
			return 0, err
		}
		iv = max(iv, m)
	}
	return iv, nil
}

// variableRef is a dashboard variable in a query; the tests pick "All" for every one that
// has it, which the frontend sends as "*", and the value in vars for the others.
var variableRef = regexp.MustCompile(`^\$\{?([a-z_]+)\}?$`)

func withAll(v any, vars map[string]string) any {
	switch x := v.(type) {
	case string:
		if m := variableRef.FindStringSubmatch(x); m != nil {
			if val, ok := vars[m[1]]; ok {
				return val
			}
			return "*"
		}
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = withAll(e, vars)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withAll(e, vars)
		}
		return out
	}
	return v
}

// run sends one query through the plugin's QueryData, as Grafana does (alert rules set
// the FromAlert header), and returns its answer.
func run(ds *plugin.Datasource, target map[string]any, r span, iv time.Duration, fromAlert bool) (data.Frames, error) {
	return runWith(ds, target, r, iv, fromAlert, nil)
}

// runWith is run with the values of the dashboard's single-valued variables.
func runWith(ds *plugin.Datasource, target map[string]any, r span, iv time.Duration, fromAlert bool, vars map[string]string) (data.Frames, error) {
	frames, err := askWith(ds, target, r, iv, fromAlert, vars)
	if err != nil {
		return nil, err
	}
	if rows(frames) == 0 {
		return frames, fmt.Errorf("empty answer (%d frames, no rows)", len(frames))
	}
	return frames, nil
}

// ask is run without the demand for rows: alerting reads an empty answer as "no data".
func ask(ds *plugin.Datasource, target map[string]any, r span, iv time.Duration, fromAlert bool) (data.Frames, error) {
	return askWith(ds, target, r, iv, fromAlert, nil)
}

// askWith is ask with the values of the dashboard's single-valued variables.
func askWith(ds *plugin.Datasource, target map[string]any, r span, iv time.Duration, fromAlert bool, vars map[string]string) (data.Frames, error) {
	qt, _ := target["queryType"].(string)
	js, err := json.Marshal(withAll(target, vars))
	if err != nil {
		return nil, err
	}
	req := &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", QueryType: qt, JSON: js,
		TimeRange: backend.TimeRange{From: r.from, To: r.to}, Interval: iv, MaxDataPoints: maxDataPoints}}}
	if fromAlert {
		req.Headers = map[string]string{backend.FromAlertHeaderName: "true"}
	}
	resp, err := ds.QueryData(context.Background(), req)
	if err != nil {
		return nil, err
	}
	res := resp.Responses["A"]
	if res.Error != nil {
		return nil, res.Error
	}
	return res.Frames, nil
}

func rows(frames data.Frames) int {
	n := 0
	for _, f := range frames {
		if len(f.Fields) > 0 {
			n += f.Fields[0].Len()
		}
	}
	return n
}

// fieldNames maps the name of every field in the answer to whether any row holds a value
// in it (not null, not an empty string).
func fieldNames(frames data.Frames) map[string]bool {
	names := map[string]bool{}
	for _, f := range frames {
		for _, fl := range f.Fields {
			names[fl.Name] = names[fl.Name] || filled(fl)
		}
	}
	return names
}

func filled(fl *data.Field) bool {
	for i := 0; i < fl.Len(); i++ {
		if v, ok := fl.ConcreteAt(i); ok && v != "" {
			return true
		}
	}
	return false
}

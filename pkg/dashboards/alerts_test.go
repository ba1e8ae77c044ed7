package dashboards

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// alertRulesAnswer checks every provisioned rule's shape (one CI Radar query, a reduce, a
// threshold as the condition, annotations naming the labels), runs its query as alerting
// does, and holds the answer to what Grafana's server-side expressions accept.
func alertRulesAnswer(t *testing.T, s seeded) {
	for _, r := range loadRules(t) {
		t.Run(r.Title, func(t *testing.T) {
			q := checkRuleShape(t, r)
			if q == nil {
				return
			}
			rng := span{s.now.Add(-time.Duration(q.RelativeTimeRange.From) * time.Second),
				s.now.Add(-time.Duration(q.RelativeTimeRange.To) * time.Second)}
			ms, _ := q.Model["intervalMs"].(int)
			frames, err := ask(s.ds, q.Model, rng, time.Duration(ms)*time.Millisecond, true)
			if err != nil {
				t.Fatalf("query %s (%v): %v", q.RefID, q.Model["queryType"], err)
			}
			labels, err := alertSeries(frames)
			if err != nil {
				t.Fatalf("Grafana could not evaluate this rule: %v", err)
			}
			if rows(frames) == 0 && r.NoDataState != "OK" {
				t.Errorf("no data at the world's end, and no data is %s for this rule", r.NoDataState)
			}
			// An empty answer (no new error in the last hour) has no labels to check here;
			// alertRulesFireAndResolve checks those of every instance that fires.
			checkAnnotationsName(t, r, labels)
		})
	}
}

// checkRuleShape returns the rule's CI Radar query after checking the chain
// query → reduce → threshold (the condition).
func checkRuleShape(t *testing.T, r rule) *ruleQuery {
	t.Helper()
	byRef := map[string]ruleQuery{}
	var query *ruleQuery
	for i, q := range r.Data {
		byRef[q.RefID] = q
		if q.DatasourceUID == DatasourceUID {
			if query != nil {
				t.Error("more than one CI Radar query")
			}
			query = &r.Data[i]
		} else if q.DatasourceUID != "__expr__" {
			t.Errorf("query %s uses data source %q, want %q or an expression", q.RefID, q.DatasourceUID, DatasourceUID)
		}
	}
	if query == nil {
		t.Fatal("no query on the CI Radar data source")
	}
	if qt, _ := query.Model["queryType"].(string); qt == "" {
		t.Error("the query has no queryType")
	}
	if query.RelativeTimeRange.From <= query.RelativeTimeRange.To {
		t.Errorf("relative time range %+v is empty", query.RelativeTimeRange)
	}
	cond, ok := byRef[r.Condition]
	if !ok || cond.Model["type"] != "threshold" {
		t.Fatalf("condition %q is not a threshold expression", r.Condition)
	}
	reduce, ok := byRef[fmt.Sprint(cond.Model["expression"])]
	if !ok || reduce.Model["type"] != "reduce" || reduce.Model["expression"] != query.RefID {
		t.Errorf("the threshold must read a reduce expression of %s", query.RefID)
	}
	for _, a := range []string{"summary", "description"} {
		if strings.TrimSpace(r.Annotations[a]) == "" {
			t.Errorf("annotation %s is missing", a)
		}
	}
	return query
}

// alertSeries reads frames the way Grafana's server-side expressions read typed
// (dataplane) frames: all wide time series, each value field a series, or all numeric
// frames, each one number. Every series must have its own label set, or Grafana fails the
// rule ("cannot uniquely be identified by its labels"). It returns the label names.
func alertSeries(frames data.Frames) ([]string, error) {
	kind := ""
	seen := map[string]bool{}
	names := map[string]bool{}
	for _, f := range frames {
		if f.Meta == nil {
			return nil, fmt.Errorf("frame %q has no type", f.Name)
		}
		k := string(f.Meta.Type)
		if kind != "" && k != kind {
			return nil, fmt.Errorf("frames of two kinds (%s and %s) in one answer", kind, k)
		}
		kind = k
		var values []*data.Field
		switch f.Meta.Type {
		case data.FrameTypeTimeSeriesWide:
			if len(f.Fields) < 2 || f.Fields[0].Type() != data.FieldTypeTime {
				return nil, fmt.Errorf("wide frame %q does not start with a time field", f.Name)
			}
			values = f.Fields[1:]
		case data.FrameTypeNumericMulti:
			values = f.Fields
		default:
			return nil, fmt.Errorf("frame type %q cannot be reduced", k)
		}
		for _, fl := range values {
			if !fl.Type().Numeric() {
				return nil, fmt.Errorf("field %s is not numeric", fl.Name)
			}
			id := fl.Labels.String()
			if seen[id] {
				return nil, fmt.Errorf("two series share the labels {%s} (field %s): pick one value per label set", id, fl.Name)
			}
			seen[id] = true
			for n := range fl.Labels {
				names[n] = true
			}
		}
	}
	out := make([]string, 0, len(names))
	for n := range names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// checkAnnotationsName: the summary and description name every label of the instance, so
// that a notification says which one it is about.
func checkAnnotationsName(t *testing.T, r rule, labels []string) {
	t.Helper()
	for _, key := range labels {
		for _, a := range []string{"summary", "description"} {
			if !strings.Contains(r.Annotations[a], "$labels."+key) {
				t.Errorf("annotation %s does not name the %s of the alert instance ($labels.%s)", a, key, key)
			}
		}
	}
}

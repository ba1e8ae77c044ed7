package dashboards

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// ruleEval is one provisioned rule as Grafana evaluates it: its CI Radar query, the
// reduce and the threshold read from the file, not from the Go that wrote it.
type ruleEval struct {
	r         rule
	query     ruleQuery
	reducer   string
	dropNN    bool
	above     float64
	noDataHot bool
	keys      map[string]bool // the label names of every instance that fired
}

func newRuleEval(t *testing.T, r rule) ruleEval {
	t.Helper()
	e := ruleEval{r: r, noDataHot: r.NoDataState == "Alerting", keys: map[string]bool{}}
	byRef := map[string]ruleQuery{}
	for _, q := range r.Data {
		byRef[q.RefID] = q
		if q.DatasourceUID == DatasourceUID {
			e.query = q
		}
	}
	cond := byRef[r.Condition].Model
	conds, _ := cond["conditions"].([]any)
	if len(conds) != 1 {
		t.Fatalf("threshold with %d conditions, want 1", len(conds))
	}
	ev, _ := conds[0].(map[string]any)["evaluator"].(map[string]any)
	params, _ := ev["params"].([]any)
	if ev["type"] != "gt" || len(params) != 1 {
		t.Fatalf("threshold evaluator %v, want gt with one parameter", ev)
	}
	e.above = toFloat(params[0])
	reduce := byRef[fmt.Sprint(cond["expression"])].Model
	e.reducer, _ = reduce["reducer"].(string)
	settings, _ := reduce["settings"].(map[string]any)
	e.dropNN = settings["mode"] == "dropNN"
	return e
}

func toFloat(v any) float64 {
	switch n := v.(type) {
	case int:
		return float64(n)
	case float64:
		return n
	}
	return math.NaN()
}

// firing evaluates the rule at `at`: the label sets of the instances whose condition holds.
// Grafana's state machine (pending periods) is not modelled: a condition that holds is an
// instance that fires once its "for" has passed.
func (e ruleEval) firing(s seeded, at time.Time) (map[string]float64, error) {
	rng := span{at.Add(-time.Duration(e.query.RelativeTimeRange.From) * time.Second), at.Add(-time.Duration(e.query.RelativeTimeRange.To) * time.Second)}
	ms, _ := e.query.Model["intervalMs"].(int)
	frames, err := ask(s.ds, e.query.Model, rng, time.Duration(ms)*time.Millisecond, true)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	series := 0
	for _, f := range frames {
		for _, fl := range f.Fields {
			if !fl.Type().Numeric() {
				continue
			}
			series++
			if v, ok := e.reduce(fl); ok && v > e.above {
				out[fl.Labels.String()] = v
				for k := range fl.Labels {
					e.keys[k] = true
				}
			}
		}
	}
	if series == 0 && e.noDataHot {
		out["(no data)"] = math.NaN()
	}
	return out, nil
}

// reduce is Grafana's reduce expression over one series; ok is false when nothing is left
// to reduce (Grafana then gives NaN, which no threshold passes).
func (e ruleEval) reduce(fl *data.Field) (float64, bool) {
	var vs []float64
	for i := 0; i < fl.Len(); i++ {
		v, ok := fl.ConcreteAt(i)
		f, isNum := toNumber(v)
		if !ok || !isNum || math.IsNaN(f) {
			if e.dropNN {
				continue
			}
			f = math.NaN()
		}
		vs = append(vs, f)
	}
	if len(vs) == 0 {
		return 0, false
	}
	switch e.reducer {
	case "last":
		return vs[len(vs)-1], true
	case "sum":
		var s float64
		for _, v := range vs {
			s += v
		}
		return s, true
	case "mean":
		var s float64
		for _, v := range vs {
			s += v
		}
		return s / float64(len(vs)), true
	case "max":
		return slices.Max(vs), true
	}
	return 0, false
}

func toNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// alertRulesFireAndResolve holds every provisioned rule to what its alert is for: over the
// seeded world it fires for some instance, and that instance later resolves. The rules
// are evaluated as alerting does (FromAlert) every two hours over the last three days,
// then two hours past the world's end with no delivery since, and, after the world has run
// on for eight hours through the same receiver, every hour of those. A rule that cannot
// fire warns nobody; one that cannot resolve would page for ever.
func alertRulesFireAndResolve(t *testing.T, s seeded) {
	rules := loadRules(t)
	evals := make([]ruleEval, len(rules))
	for i, r := range rules {
		evals[i] = newRuleEval(t, r)
		for _, l := range []string{"team", "repo", "severity"} {
			if rules[i].Labels[l] == "" {
				t.Errorf("rule %s has no %s label for notification policies", r.UID, l)
			}
		}
	}
	type sample struct {
		at     time.Time
		firing map[string]float64
	}
	history := make([][]sample, len(rules))
	evaluate := func(times []time.Time) {
		for i, e := range evals {
			for _, at := range times {
				f, err := e.firing(s, at)
				if err != nil {
					t.Fatalf("%s at %s: %v", e.r.UID, at, err)
				}
				history[i] = append(history[i], sample{at, f})
			}
		}
	}
	var before []time.Time
	for at := s.now.Add(-72 * time.Hour); !at.After(s.now); at = at.Add(2 * time.Hour) {
		before = append(before, at)
	}
	evaluate(append(before, s.now.Add(2*time.Hour)))
	if err := s.advance(s.now.Add(8 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	var after []time.Time
	for h := 3; h <= 8; h++ {
		after = append(after, s.now.Add(time.Duration(h)*time.Hour))
	}
	evaluate(after)

	for i, r := range rules {
		t.Run(r.Title, func(t *testing.T) {
			fired, resolved := "", ""
			for j, smp := range history[i] {
				for inst := range smp.firing {
					for _, later := range history[i][j+1:] {
						if _, still := later.firing[inst]; !still {
							fired, resolved = fmt.Sprintf("{%s} at %s", inst, smp.at.Format(time.RFC3339)), later.at.Format(time.RFC3339)
							break
						}
					}
					if fired != "" {
						break
					}
				}
				if fired != "" {
					break
				}
			}
			if fired == "" {
				n := 0
				for _, smp := range history[i] {
					n += len(smp.firing)
				}
				t.Fatalf("no instance fired and later resolved (%d firing instances over %d evaluations)", n, len(history[i]))
			}
			t.Logf("fired %s, resolved by %s", fired, resolved)
			var keys []string
			for k := range evals[i].keys {
				keys = append(keys, k)
			}
			checkAnnotationsName(t, r, keys)
		})
	}
}

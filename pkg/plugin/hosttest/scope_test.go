package hosttest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/plugin"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// scopeVariants are the query JSONs each type runs with, beyond `{}` for a type not listed
// here (a type registered later runs too) and, for every type, a filter naming a
// repository out of scope. $OUT_RUN and $OUT_REPO stand for an out-of-scope run and
// repository.
var scopeVariants = map[string][]string{
	"queue_time": {`{"groupBy": "repo"}`, `{"groupBy": "labels", "includeAbandoned": true}`, `{"groupBy": "workflow"}`, `{}`},
	"repo_stats": {`{"dimension": "repo", "metric": "runs", "limit": 1000}`, `{"dimension": "workflow", "metric": "p95_queue"}`,
		`{"dimension": "job", "metric": "failure_rate"}`, `{"dimension": "label", "metric": "minutes"}`},
	"build_results":    {`{"splitBy": "repo"}`, `{"splitBy": "trigger", "countBy": "attempt"}`, `{}`},
	"jobs":             {`{"limit": 5000}`, `{"states": ["queued", "in_progress"]}`},
	"pipeline":         {`{"runId": $OUT_RUN}`, `{"repo": "$OUT_REPO", "branch": "main"}`},
	"annotations":      {`{"source": "failed_runs"}`, `{"source": "incidents"}`},
	"error_signatures": {`{"limit": 1000}`, `{"onlyNew": true, "limit": 1000}`},
	"github_status":    {`{"view": "components"}`, `{"view": "incidents"}`},
	"commit_grid":      {`{"repo": "$OUT_REPO", "branch": "main"}`},
	"refs":             {`{"kind": "branches"}`, `{"kind": "releases"}`},
}

// refusedWhenScoped are the types a scoped instance refuses with a 400, and why.
var refusedWhenScoped = map[string]string{
	"ingest_health":    "deliveries name their repository only in the payload the reader may not read",
	"reconciler_stats": "the reconciler's work spans every repository",
}

// noRepositoryData are the types whose answers hold nothing of any repository, so the
// scope cannot change them.
var noRepositoryData = map[string]string{"github_status": "the status page only"}

// TestScopeHidesWhatIsOutOfScope runs every registered query type and every resource
// through the built binary three ways: on a scoped instance over a store that holds
// out-of-scope data, on an unscoped instance over the same store, and on an unscoped
// instance over a copy holding only what is in scope. The scoped answer must hold no
// out-of-scope name or id (frames, labels and errors alike), must be the copy's answer
// (so no out-of-scope row counts in any aggregate, percentile or count, rollups
// included), and must differ from the unscoped one (the data was there).
func TestScopeHidesWhatIsOutOfScope(t *testing.T) {
	began := time.Now()
	w := seedScope(t)
	t.Logf("seeded in %s", time.Since(began).Round(time.Millisecond))
	page := statusPageServer(t)
	scoped := settingsFor(t, w.full, "ciradar_reader", 21, map[string]any{"statusPageUrl": page, "scope": w.scope})
	open := settingsFor(t, w.full, "ciradar_reader", 22, map[string]any{"statusPageUrl": page})
	trimmed := settingsFor(t, w.trimmed, "ciradar_reader", 23, map[string]any{"statusPageUrl": page})
	broken := settingsFor(t, w.full, "ciradar_reader", 24, map[string]any{"statusPageUrl": page, "scope": []string{"acme", "labs/we*b"}})
	scoped.UID, open.UID, trimmed.UID, broken.UID = "scoped", "open", "trimmed", "broken"
	h := start(t, scoped)
	sp, op, tp := pluginContext(scoped), pluginContext(open), pluginContext(trimmed)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	leaks := leakFinder(w)

	for _, qt := range plugin.QueryTypes() {
		variants, ok := scopeVariants[qt]
		if !ok {
			variants = []string{`{}`}
		}
		variants = append(variants, fmt.Sprintf(`{"filters": {"repos": [%q]}}`, w.outRepo))
		differs := false
		for _, js := range variants {
			js = strings.NewReplacer("$OUT_RUN", fmt.Sprint(w.outRun), "$OUT_REPO", w.outRepo).Replace(js)
			t.Run("query/"+qt+"/"+js, func(t *testing.T) {
				q := backend.DataQuery{RefID: "A", QueryType: qt, JSON: json.RawMessage(js), Interval: time.Hour, MaxDataPoints: 1000,
					TimeRange: backend.TimeRange{From: w.from, To: w.to}}
				got, all, want := send(ctx, t, h, sp, q), send(ctx, t, h, op, q), send(ctx, t, h, tp, q)
				if leak := leaks(answerText(t, got)); leak != "" {
					t.Fatalf("the scoped answer holds %s", leak)
				}
				if why, ok := refusedWhenScoped[qt]; ok {
					if got.Status != backend.StatusBadRequest || got.Error == nil || !strings.Contains(got.Error.Error(), "scoped") {
						t.Fatalf("want a 400 saying it is scoped (%s), got %d %v", why, got.Status, got.Error)
					}
					differs = true
					return
				}
				if got.Error != nil || want.Error != nil || all.Error != nil {
					// A query that is wrong (a pipeline without a run) is wrong alike
					// everywhere, in the same words.
					if got.Status != backend.StatusBadRequest || want.Error == nil || all.Error == nil ||
						got.Error.Error() != want.Error.Error() || got.Error.Error() != all.Error.Error() {
						t.Fatalf("scoped: %d %v; in-scope copy: %v; unscoped: %v", got.Status, got.Error, want.Error, all.Error)
					}
					return
				}
				if diff := frameDiff(got.Frames, want.Frames); diff != "" {
					t.Fatalf("the scoped answer is not the in-scope store's: %s", diff)
				}
				if frameDiff(got.Frames, all.Frames) != "" {
					differs = true
				}
			})
		}
		if _, ok := noRepositoryData[qt]; !ok && !differs {
			t.Errorf("%s: no variant answers differently without the scope: the test shows nothing for it", qt)
		}
	}

	for _, path := range plugin.ResourcePaths() {
		differs := false
		for _, params := range []string{"", "org=umbrella", "org=labs", "repo=" + url.QueryEscape(w.outRepo)} {
			t.Run("resource/"+path+"?"+params, func(t *testing.T) {
				got, all, want := resource(ctx, t, h, sp, path, params), resource(ctx, t, h, op, path, params), resource(ctx, t, h, tp, path, params)
				if leak := leaks(string(got.Body)); leak != "" {
					t.Fatalf("the scoped answer holds %s: %s", leak, got.Body)
				}
				if got.Status != 200 || string(got.Body) != string(want.Body) {
					t.Fatalf("scoped %d %s, in-scope copy %d %s", got.Status, got.Body, want.Status, want.Body)
				}
				if string(got.Body) != string(all.Body) {
					differs = true
				}
			})
		}
		if !differs {
			t.Errorf("%s: no parameters answer differently without the scope", path)
		}
	}

	t.Run("health reports the scope", func(t *testing.T) {
		got := health(ctx, t, h, sp)
		if got.Status == backend.HealthStatusError || !strings.Contains(got.Message, "scoped to 1 organisation, 1 repository pattern") {
			t.Fatalf("health = %v %q", got.Status, got.Message)
		}
		if leak := leaks(got.Message); leak != "" {
			t.Fatalf("health holds %s", leak)
		}
	})
	t.Run("a malformed scope is refused, never widened", func(t *testing.T) {
		bp := pluginContext(broken)
		want := `scope entry 2 "labs/we*b" has a wildcard inside a name`
		if got := health(ctx, t, h, bp); got.Status != backend.HealthStatusError || !strings.Contains(got.Message, want) {
			t.Fatalf("health = %v %q, want an error saying %s", got.Status, got.Message, want)
		}
		res := send(ctx, t, h, bp, backend.DataQuery{RefID: "A", QueryType: "jobs", JSON: json.RawMessage(`{}`),
			TimeRange: backend.TimeRange{From: w.from, To: w.to}})
		if res.Status != backend.StatusBadRequest || res.Error == nil || !strings.Contains(res.Error.Error(), want) || len(res.Frames) > 0 {
			t.Fatalf("query = %d %v %d frames, want a 400 saying %s", res.Status, res.Error, len(res.Frames), want)
		}
		if r := resource(ctx, t, h, bp, "variables/repos", ""); r.Status != 400 || !strings.Contains(string(r.Body), "wildcard inside a name") {
			t.Fatalf("resource = %d %s", r.Status, r.Body)
		}
	})
	t.Logf("scope test took %s", time.Since(began).Round(time.Millisecond))
}

func health(ctx context.Context, t *testing.T, h *host, pctx *pluginv2.PluginContext) *backend.CheckHealthResult {
	t.Helper()
	res, err := h.diag.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: pctx})
	if err != nil {
		t.Fatal(err)
	}
	return backend.FromProto().CheckHealthResponse(res)
}

// answerText is everything a response shows a user: its frames (values, labels, names,
// meta) and its error.
func answerText(t *testing.T, r backend.DataResponse) string {
	t.Helper()
	b, err := json.Marshal(r.Frames)
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != nil {
		return string(b) + " " + r.Error.Error()
	}
	return string(b)
}

// leakFinder returns a check that names the first out-of-scope repository, organisation
// or run or job id in a text ("" when none). Ids count as whole numbers only.
func leakFinder(w scopeWorld) func(string) string {
	ids := map[string]bool{}
	for _, id := range w.outIDs {
		ids[id] = true
	}
	digits := regexp.MustCompile(`[0-9]+`)
	return func(s string) string {
		for _, n := range w.outNames {
			if strings.Contains(s, n) {
				return fmt.Sprintf("the name %q", n)
			}
		}
		for _, d := range digits.FindAllString(s, -1) {
			if ids[d] {
				return "the id " + d
			}
		}
		return ""
	}
}

// frameDiff says where two answers differ, "" when they do not: the statements that
// produced them may (Meta.ExecutedQueryString), floats by rounding only, and percentiles
// by what reading them from rollups costs.
func frameDiff(a, b data.Frames) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d frames, want %d", len(a), len(b))
	}
	for i := range a {
		fa, fb := a[i], b[i]
		if fa.Name != fb.Name || len(fa.Fields) != len(fb.Fields) || fa.Rows() != fb.Rows() {
			return fmt.Sprintf("frame %d: %q with %d fields and %d rows, want %q with %d and %d", i, fa.Name, len(fa.Fields), fa.Rows(),
				fb.Name, len(fb.Fields), fb.Rows())
		}
		for j := range fa.Fields {
			x, y := fa.Fields[j], fb.Fields[j]
			if x.Name != y.Name || !reflect.DeepEqual(x.Labels, y.Labels) {
				return fmt.Sprintf("frame %q field %d: %s %v, want %s %v", fa.Name, j, x.Name, x.Labels, y.Name, y.Labels)
			}
			tolerance := 1e-9
			if strings.HasPrefix(x.Name, "p9") || strings.HasPrefix(x.Name, "p5") {
				// A percentile read from rollups is a histogram bucket's value, within 1% of
				// the exact one (docs/queries.md, "Long ranges"): counts stay exact.
				tolerance = 0.015
			}
			for r := 0; r < x.Len(); r++ {
				if !sameValue(x.At(r), y.At(r), tolerance) {
					return fmt.Sprintf("frame %q field %s row %d: %v, want %v", fa.Name, x.Name, r, deref(x.At(r)), deref(y.At(r)))
				}
			}
		}
	}
	return ""
}

func sameValue(a, b any, tolerance float64) bool {
	fa, okA := float(a)
	fb, okB := float(b)
	if okA && okB {
		return fa == fb || math.Abs(fa-fb) <= tolerance*math.Max(1, math.Abs(fb)) || (math.IsNaN(fa) && math.IsNaN(fb))
	}
	return reflect.DeepEqual(deref(a), deref(b))
}

func float(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case *float64:
		if x != nil {
			return *x, true
		}
	}
	return 0, false
}

func deref(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return rv.Elem().Interface()
	}
	return v
}

package query_test

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// ingest_health labels deliveries by forge, and filters.forges picks one forge's deliveries,
// rejections and newest delivery, from the projections and the rollups alike.
func TestIngestHealthByForge(t *testing.T) {
	ctx := context.Background()
	pool, s := seedGitLabStates(t) // ten GitLab Job Hooks, the last at +75 min
	ghAt := glStatesAt.Add(3 * time.Hour)
	d := store.Delivery{ID: "gh-run", Event: "workflow_run", Payload: fixtures.Get("workflow_run.completed.1"), ReceivedAt: ghAt}
	p, err := store.Project(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(ctx, []store.Item{{Delivery: d, Projection: p}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordRejection(ctx, store.Rejection{DeliveryID: "gl-bad", Event: "Job Hook", Reason: "test", ReceivedAt: ghAt, Forge: store.ForgeGitLab}); err != nil {
		t.Fatal(err)
	}
	end := glStatesAt.Add(4 * time.Hour)
	cases := []struct {
		name, filter string
		want         map[[3]string]float64 // forge, event, outcome: deliveries in the range
		newestAge    time.Duration
	}{
		{"both forges", `{}`, map[[3]string]float64{{"gitlab", "Job Hook", "stored"}: 10, {"gitlab", "Job Hook", "rejected"}: 1,
			{"github", "workflow_run", "stored"}: 1}, time.Hour},
		{"gitlab", `{"filters": {"forges": ["gitlab"]}}`, map[[3]string]float64{{"gitlab", "Job Hook", "stored"}: 10,
			{"gitlab", "Job Hook", "rejected"}: 1}, 4*time.Hour - 75*time.Minute - time.Second},
		{"github", `{"filters": {"forges": ["github"]}}`, map[[3]string]float64{{"github", "workflow_run", "stored"}: 1}, time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := query.Request{RefID: "A", From: glStatesAt.Add(-time.Hour), To: end, Interval: time.Hour, MaxDataPoints: 100, JSON: []byte(c.filter)}
			frames, err := types["ingest_health"](ctx, query.Env{DB: rawOnly{pool}}, req)
			if err != nil {
				t.Fatal(err)
			}
			if got := sumByLabels(frames[0]); !sameCounts(got, c.want) {
				t.Fatalf("deliveries %v, want %v", got, c.want)
			}
			age, _ := frames[1].Fields[0].ConcreteAt(0)
			if age != c.newestAge.Seconds() {
				t.Fatalf("newest delivery age %v, want %v", age, c.newestAge.Seconds())
			}
		})
	}
	if _, err := s.RefreshRollups(ctx, store.RollupOptions{Now: t0.Add(7*24*time.Hour + time.Minute)}); err != nil {
		t.Fatal(err)
	}
	compareAll(t, pool, []rollupCase{{"ingest_health", `{"filters": {"forges": ["gitlab"]}}`}, {"ingest_health", `{}`}}, true)
}

func sumByLabels(f *data.Frame) map[[3]string]float64 {
	out := map[[3]string]float64{}
	for _, fl := range f.Fields {
		if fl.Name != "deliveries" {
			continue
		}
		k := [3]string{fl.Labels["forge"], fl.Labels["event"], fl.Labels["outcome"]}
		for i := 0; i < fl.Len(); i++ {
			if v, ok := fl.ConcreteAt(i); ok {
				out[k] += v.(float64)
			}
		}
	}
	return out
}

func sameCounts(a, b map[[3]string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

package simulate

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
)

// memberPaths adds the path of every member of v to out: objects recursively, an array by
// the shape of its elements ("steps[].name").
func memberPaths(v any, prefix string, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, m := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out[p] = true
			memberPaths(m, p, out)
		}
	case []any:
		for _, m := range x {
			memberPaths(m, prefix+"[]", out)
		}
	}
}

// shape is what a set of bodies of one event has: the union of their member paths, and
// their compact sizes by action, without the deployment member (only jobs that target an
// environment carry one), whose sizes are kept apart.
type shape struct {
	paths      map[string]bool
	sizes      map[string][]int
	deployment []int
}

func shapeOf(t *testing.T, bodies [][]byte) shape {
	t.Helper()
	s := shape{paths: map[string]bool{}, sizes: map[string][]int{}}
	for _, b := range bodies {
		var doc map[string]any
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("decode body: %v", err)
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatalf("decode body: %v", err)
		}
		memberPaths(doc, "", s.paths)
		if d, ok := raw["deployment"]; ok {
			c, _ := json.Marshal(d) // compact
			s.deployment = append(s.deployment, len(c))
			delete(raw, "deployment")
		}
		c, err := json.Marshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		action, _ := doc["action"].(string)
		s.sizes[action] = append(s.sizes[action], len(c))
	}
	return s
}

func missing(real, sim map[string]bool) []string {
	var out []string
	for p := range real {
		if !sim[p] {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func mean(xs []int) float64 {
	var sum float64
	for _, x := range xs {
		sum += float64(x)
	}
	return sum / float64(len(xs))
}

// simBodies renders a day of the default world and returns its bodies by event.
func simBodies(t *testing.T) map[string][][]byte {
	t.Helper()
	got, _ := collect(t, DefaultConfig(), 18, 12*time.Hour, Noise{}, 10*time.Minute)
	out := map[string][][]byte{}
	for _, d := range got {
		out[d.Event] = append(out[d.Event], d.Body)
	}
	return out
}

func realBodies(event string) [][]byte {
	var out [][]byte
	for _, p := range fixtures.Event(event) {
		out = append(out, p.Body)
	}
	return out
}

// TestPayloadShape holds the simulator's deliveries to GitHub's own examples: every member
// of the examples is present, and the mean size of each action is within 10% of theirs, so
// that what the compact raw log is measured on compresses like real payloads.
func TestPayloadShape(t *testing.T) {
	sim := simBodies(t)
	for _, event := range []string{"workflow_job", "workflow_run"} {
		if len(sim[event]) == 0 {
			t.Fatalf("the simulator sent no %s", event)
		}
	}
	shapes := map[string][2]shape{}
	for _, event := range []string{"workflow_job", "workflow_run"} {
		shapes[event] = [2]shape{shapeOf(t, realBodies(event)), shapeOf(t, sim[event])}
	}

	members := []struct {
		name  string
		event string
		drop  string // a member removed from the simulator's paths: the check must catch it
	}{
		{name: "workflow_job has every member", event: "workflow_job"},
		{name: "workflow_run has every member", event: "workflow_run"},
		{name: "a dropped job member is caught", event: "workflow_job", drop: "workflow_job.steps[].completed_at"},
		{name: "a dropped repository member is caught", event: "workflow_run", drop: "repository.license.spdx_id"},
	}
	for _, c := range members {
		t.Run(c.name, func(t *testing.T) {
			real, got := shapes[c.event][0], shapes[c.event][1]
			paths := got.paths
			if c.drop != "" {
				paths = map[string]bool{}
				for p := range got.paths {
					paths[p] = p != c.drop
				}
			}
			miss := missing(real.paths, paths)
			if c.drop != "" {
				if !slices.Equal(miss, []string{c.drop}) {
					t.Fatalf("dropping %s: missing %v, want just it", c.drop, miss)
				}
				return
			}
			if len(miss) > 0 {
				t.Errorf("%d members of the real %s examples missing from the simulator's: %v", len(miss), c.event, miss)
			}
		})
	}

	sizes := []struct {
		name   string
		event  string
		action string // "deployment": the deployment member alone
	}{
		{"job queued", "workflow_job", "queued"},
		{"job waiting", "workflow_job", "waiting"},
		{"job in progress", "workflow_job", "in_progress"},
		{"job completed", "workflow_job", "completed"},
		{"job deployment member", "workflow_job", "deployment"},
		{"run requested", "workflow_run", "requested"},
		{"run completed", "workflow_run", "completed"},
	}
	for _, c := range sizes {
		t.Run("size of "+c.name, func(t *testing.T) {
			real, got := shapes[c.event][0].sizes[c.action], shapes[c.event][1].sizes[c.action]
			if c.action == "deployment" {
				real, got = shapes[c.event][0].deployment, shapes[c.event][1].deployment
			}
			if len(real) == 0 || len(got) == 0 {
				t.Fatalf("%d real and %d simulated bodies: nothing to compare", len(real), len(got))
			}
			r, g := mean(real), mean(got)
			t.Logf("real %.0f bytes (%d), simulated %.0f bytes (%d)", r, len(real), g, len(got))
			if math.Abs(g-r)/r > 0.10 {
				t.Errorf("simulated %s averages %.0f bytes, real %.0f: more than 10%% apart", c.name, g, r)
			}
		})
	}
}

// lookup returns the value at a dotted member path of a decoded body.
func lookup(doc map[string]any, path string) any {
	var v any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// TestPayloadValuesVary holds the simulator to values that differ the way GitHub's do, not
// near copies: each member below takes as many distinct values as its owner has (a
// repository's creation date per repository, a user's id per login, a job's node id per
// job), so a dictionary cannot learn one delivery and match all the others whole.
func TestPayloadValuesVary(t *testing.T) {
	sim := simBodies(t)
	cases := []struct {
		name, event, owner, member string
		min                        int // distinct owners at least: the case must mean something
	}{
		{"repository created per repository", "workflow_job", "repository.id", "repository.created_at", 20},
		{"repository node id per repository", "workflow_job", "repository.id", "repository.node_id", 20},
		{"organization node id per organization", "workflow_run", "organization.login", "organization.node_id", 2},
		{"sender id per login", "workflow_job", "sender.login", "sender.id", 5},
		{"sender node id per login", "workflow_run", "sender.login", "sender.node_id", 5},
		{"job node id per job", "workflow_job", "workflow_job.id", "workflow_job.node_id", 500},
		{"head commit tree per run", "workflow_run", "workflow_run.id", "workflow_run.head_commit.tree_id", 50},
		{"check suite per run", "workflow_run", "workflow_run.id", "workflow_run.check_suite_id", 50},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			owners, values := map[string]bool{}, map[string]bool{}
			for _, b := range sim[c.event] {
				var doc map[string]any
				if err := json.Unmarshal(b, &doc); err != nil {
					t.Fatal(err)
				}
				owners[fmt.Sprint(lookup(doc, c.owner))] = true
				values[fmt.Sprint(lookup(doc, c.member))] = true
			}
			if len(owners) < c.min {
				t.Fatalf("%d distinct %s, want at least %d", len(owners), c.owner, c.min)
			}
			if len(values) != len(owners) {
				t.Errorf("%s takes %d distinct values over %d distinct %s, want one each", c.member, len(values), len(owners), c.owner)
			}
		})
	}
}

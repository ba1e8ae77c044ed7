package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
)

// The repository's visibility comes from the payload, merges in any order towards the one
// GitHub bills (private over public), and reproject gives the same column.
func TestRepoVisibilityProjection(t *testing.T) {
	at := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	// unsaid removes both members, so that nothing is known of the repository.
	unsaid := map[string]any{"private": nil, "visibility": nil}
	cases := []struct {
		name   string
		events []map[string]any // the repository of each event, in delivery order
		want   string
	}{
		{"visibility field wins over private", []map[string]any{{"private": true, "visibility": "internal"}}, "internal"},
		{"private true without visibility", []map[string]any{{"private": true, "visibility": nil}}, "private"},
		{"private false without visibility", []map[string]any{{"private": false, "visibility": nil}}, "public"},
		{"nothing said", []map[string]any{unsaid}, ""},
		{"unknown visibility falls back to private", []map[string]any{{"private": true, "visibility": "secret"}}, "private"},
		{"made public mid-job merges to private", []map[string]any{{"private": true, "visibility": "private"}, {"private": false, "visibility": "public"}}, "private"},
		{"the same in the other order", []map[string]any{{"private": false, "visibility": "public"}, {"private": true, "visibility": "private"}}, "private"},
		{"a later unsaid keeps what was said", []map[string]any{{"private": false, "visibility": "public"}, unsaid}, "public"},
	}
	ctx := context.Background()
	s := newStore(t)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := int64(7000 + i)
			for k, repo := range c.events {
				status := []string{"queued", "completed"}[k%2]
				e := jobEvent{jobID: id, runID: id, status: status, created: at, started: at.Add(time.Minute),
					completed: at.Add(3 * time.Minute), conclusion: "success", runner: "r", labels: []string{"ubuntu-latest"}, repo: repo}
				if _, err := s.Write(ctx, []store.Item{item(t, deliveryID(id, status, k), "workflow_job", e.payload(t), at.Add(time.Duration(k)*time.Second))}); err != nil {
					t.Fatal(err)
				}
			}
			if got := jobsByLocalID(t, s, id)[0].RepoVisibility; got != c.want {
				t.Errorf("repo_visibility %q, want %q", got, c.want)
			}
		})
	}
	live := snapshot(t, s)
	if _, err := s.Reproject(ctx, 3); err != nil {
		t.Fatal(err)
	}
	rebuilt := snapshot(t, s)
	for i := range live.Jobs {
		if live.Jobs[i].RepoVisibility != rebuilt.Jobs[i].RepoVisibility {
			t.Errorf("job %d: reproject gave %q, live %q", live.Jobs[i].JobID, rebuilt.Jobs[i].RepoVisibility, live.Jobs[i].RepoVisibility)
		}
	}
}

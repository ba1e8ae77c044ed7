package simulate_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/simulate/fakegithub"
)

// TestFakeAPI plays a small world with drops and checks that the fake API agrees with it:
// jobs, logs, runners, pagination, ETags, and that a dropped delivery can be found in the
// hook's delivery list and redelivered with its original GUID.
func TestFakeAPI(t *testing.T) {
	var mu sync.Mutex
	received := map[string]int{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		received[r.Header.Get("X-GitHub-Delivery")]++
		mu.Unlock()
	}))
	defer recv.Close()
	target := simulate.HTTPTarget{URL: recv.URL, Secret: secret}
	hooks := fakegithub.NewHookLog(72*time.Hour, func(ctx context.Context, d fakegithub.HookDelivery) (int, error) {
		return target.Resend(ctx, d.Headers, d.Body)
	})
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	w, err := simulate.NewWorld(smallWorld(), 3, start)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simulate.New(w, simulate.Options{Noise: simulate.Noise{Drop: 0.05}, Deliver: target.Deliver, Hooks: hooks, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.RunFast(context.Background(), start.Add(30*time.Hour)); err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(fakegithub.New(fakegithub.Config{Source: sim.Source(), Hooks: hooks, Token: "tok", Now: sim.Now}))
	defer api.Close()
	get := func(path, etag string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, api.URL+path, nil)
		req.Header.Set("Authorization", "Bearer tok")
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}

	resp, body := get("/repos/acme/payments-api/actions/runs?per_page=2", "")
	var runs struct {
		Total int `json:"total_count"`
		Runs  []struct {
			ID int64 `json:"id"`
		} `json:"workflow_runs"`
	}
	json.Unmarshal([]byte(body), &runs)
	if resp.StatusCode != 200 || runs.Total < 3 || len(runs.Runs) != 2 || !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
		t.Fatalf("runs page: %d, total %d, %d runs, link %q", resp.StatusCode, runs.Total, len(runs.Runs), resp.Header.Get("Link"))
	}
	resp2, _ := get("/repos/acme/payments-api/actions/runs?per_page=2", resp.Header.Get("ETag"))
	if resp2.StatusCode != http.StatusNotModified || resp2.Header.Get("X-RateLimit-Used") != resp.Header.Get("X-RateLimit-Used") {
		t.Errorf("conditional request: %d, used %s then %s; want 304 costing nothing", resp2.StatusCode,
			resp.Header.Get("X-RateLimit-Used"), resp2.Header.Get("X-RateLimit-Used"))
	}

	truth := sim.Truth()
	if truth.Deliveries.Dropped == 0 {
		t.Fatal("no delivery was dropped")
	}
	var dropped []map[string]any
	cursor := ""
	for page := 0; page < 1000; page++ {
		r, b := get("/orgs/acme/hooks/"+itoa(w.Org("acme").HookID)+"/deliveries?per_page=100"+cursor, "")
		var list []map[string]any
		json.Unmarshal([]byte(b), &list)
		for _, d := range list {
			if d["status_code"].(float64) == 0 {
				dropped = append(dropped, d)
			}
		}
		link := r.Header.Get("Link")
		if link == "" {
			break
		}
		cursor = "&cursor=" + strings.TrimSuffix(strings.Split(strings.Split(link, "cursor=")[1], ">")[0], "&per_page=100")
	}
	if len(dropped) == 0 {
		t.Fatal("the hook's delivery list shows no failed delivery")
	}
	d := dropped[0]
	guid := d["guid"].(string)
	if received[guid] != 0 {
		t.Fatalf("dropped delivery %s reached the receiver", guid)
	}
	req, _ := http.NewRequest(http.MethodPost, api.URL+"/orgs/acme/hooks/"+itoa(w.Org("acme").HookID)+
		"/deliveries/"+itoa(int64(d["id"].(float64)))+"/attempts", nil)
	req.Header.Set("Authorization", "token tok")
	r, err := http.DefaultClient.Do(req)
	if err != nil || r.StatusCode != http.StatusAccepted {
		t.Fatalf("redeliver: %v %v", r, err)
	}
	if received[guid] != 1 {
		t.Errorf("redelivery of %s did not reach the receiver", guid)
	}

	cases := []struct {
		name, path string
		code       int
		contains   string
	}{
		{"jobs of a run", "/repos/acme/payments-api/actions/runs/" + itoa(runs.Runs[0].ID) + "/jobs", 200, `"total_count"`},
		{"runners with status", "/orgs/acme/actions/runners", 200, `"status":"`},
		{"unknown repo", "/repos/acme/nope/actions/runs", 404, "Not Found"},
		{"GHES prefix", "/api/v3/orgs/acme/repos?per_page=1", 200, `"full_name":"acme/`},
		{"rate limit", "/rate_limit", 200, `"remaining"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := get(c.path, "")
			if resp.StatusCode != c.code || !strings.Contains(body, c.contains) {
				t.Errorf("%s: %d %.200s", c.path, resp.StatusCode, body)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

package githubapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestRateLimits: the first answer is rate-limited as given, the next ones are fine. The
// client must sleep exactly as GitHub asks (never hot-loop), or give up when the wait is
// too long or the 403 is not a limit at all.
func TestRateLimits(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	cases := []struct {
		name     string
		code     int
		header   map[string]string
		body     string
		wantWait []time.Duration
		wantErr  bool
	}{
		{"secondary with Retry-After", 403, map[string]string{"Retry-After": "7"}, "", []time.Duration{7 * time.Second}, false},
		{"429 without headers backs off a minute", 429, nil, "", []time.Duration{time.Minute}, false},
		{"403 naming the secondary limit", 403, nil, `{"message":"You have exceeded a secondary rate limit"}`, []time.Duration{time.Minute}, false},
		{"primary exhausted waits for the reset", 403, map[string]string{"X-RateLimit-Remaining": "0",
			"X-RateLimit-Reset": strconv.FormatInt(now.Add(30*time.Second).Unix(), 10)}, "", []time.Duration{31 * time.Second}, false},
		{"permission denied is not a limit", 403, nil, `{"message":"Resource not accessible"}`, nil, true},
		{"wait longer than the maximum fails", 403, map[string]string{"Retry-After": "7200"}, "", nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-RateLimit-Remaining", "4000")
				w.Header().Set("X-RateLimit-Limit", "5000")
				if calls.Add(1) == 1 {
					for k, v := range c.header {
						w.Header().Set(k, v)
					}
					w.WriteHeader(c.code)
					w.Write([]byte(c.body))
					return
				}
				w.Write([]byte(`{"id": 1, "status": "completed"}`))
			}))
			defer srv.Close()
			var waits []time.Duration
			reg := prometheus.NewRegistry()
			cl, err := githubapi.New(githubapi.Config{BaseURL: srv.URL, Token: "t", MaxWait: time.Hour,
				Metrics: githubapi.NewMetrics(reg), Now: func() time.Time { return now },
				Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }})
			if err != nil {
				t.Fatal(err)
			}
			_, err = cl.Job(context.Background(), "acme", "api", 1)
			if (err != nil) != c.wantErr {
				t.Fatalf("error %v, want error: %v", err, c.wantErr)
			}
			if len(waits) != len(c.wantWait) || (len(waits) > 0 && waits[0] != c.wantWait[0]) {
				t.Errorf("waits %v, want %v", waits, c.wantWait)
			}
			if got := testutil.CollectAndCount(reg, "ciradar_github_rate_limit_remaining"); got != 1 {
				t.Errorf("rate limit remaining series: %d, want 1", got)
			}
		})
	}
}

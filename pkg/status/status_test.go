package status

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// page serves testdata as a Statuspage would, counting requests.
func page(t *testing.T, status int, delay time.Duration) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		time.Sleep(delay)
		body, err := os.ReadFile("testdata/" + strings.TrimPrefix(r.URL.Path, "/api/v2/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestSummary(t *testing.T) {
	srv, _ := page(t, http.StatusOK, 0)
	s, err := New(srv.URL+"/api/v2/summary.json", nil).Summary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Components) != 3 || s.Components[1].Name != "Actions" || s.Components[1].Status != "degraded_performance" {
		t.Errorf("components = %+v", s.Components)
	}
	if len(s.Incidents) != 1 || s.Incidents[0].Impact != "minor" || len(s.Incidents[0].Updates) != 2 {
		t.Errorf("incidents = %+v", s.Incidents)
	}
	if s.Status.Indicator != "minor" {
		t.Errorf("indicator = %q", s.Status.Indicator)
	}
}

func TestIncidentsIncludeResolved(t *testing.T) {
	srv, _ := page(t, http.StatusOK, 0)
	l, err := New(srv.URL+"/api/v2/summary.json", nil).Incidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 2 || l[1].ResolvedAt == nil {
		t.Fatalf("incidents = %+v", l)
	}
}

func TestCacheAndErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		delay    time.Duration
		path     string
		advance  time.Duration
		wantErr  string
		wantHits int32
	}{
		{name: "cached within a minute", status: 200, path: "summary.json", advance: 59 * time.Second, wantHits: 1},
		{name: "refetched after a minute", status: 200, path: "summary.json", advance: 61 * time.Second, wantHits: 2},
		{name: "server error is reported and remembered briefly", status: 503, path: "summary.json", advance: 5 * time.Second, wantErr: "answered 503", wantHits: 1},
		{name: "failure retried after its short ttl", status: 503, path: "summary.json", advance: 11 * time.Second, wantErr: "answered 503", wantHits: 2},
		{name: "not JSON", status: 200, path: "missing.json", advance: time.Second, wantErr: "answered 404", wantHits: 1},
		{name: "slow page times out", status: 200, delay: 200 * time.Millisecond, path: "summary.json", wantErr: "unreachable", wantHits: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := page(t, tc.status, tc.delay)
			c := New(srv.URL+"/api/v2/"+tc.path, &http.Client{Timeout: 100 * time.Millisecond})
			now := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
			c.now = func() time.Time { return now }
			_, err1 := c.Summary(context.Background())
			now = now.Add(tc.advance)
			_, err2 := c.Summary(context.Background())
			for _, err := range []error{err1, err2} {
				if tc.wantErr == "" && err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
			}
			if tc.delay == 0 && hits.Load() != tc.wantHits {
				t.Errorf("hits = %d, want %d", hits.Load(), tc.wantHits)
			}
		})
	}
}

package webhook_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
)

// FuzzHandler drives the whole handler (headers and body) against a real store, seeded with
// every real payload. Whatever arrives: the answer is one of the documented statuses, never
// 5xx while the database is up; a 2xx delivery is in the store; a signed delivery answered
// 400 is on record as a rejection; an unsigned one leaves no trace.
func FuzzHandler(f *testing.F) {
	for _, p := range fixtures.All() {
		f.Add(p.Event, "seed-"+p.Name, "organization", "42", p.Body, true)
	}
	f.Add("workflow_job", "bad-\xff", "org\xc3", "-1", fixtures.Get("workflow_job.queued.1"), true)
	f.Add("push", "unsigned", "", "", []byte(`{}`), false)
	// One real store for every input of this process.
	s, err := store.Open(context.Background(), pgtest.NewDatabase(f), store.Options{MaxConns: 4})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(s.Close)
	c := store.NewCommitter(s, store.CommitterOptions{Writers: 1})
	f.Cleanup(c.Close)
	h, err := webhook.NewHandler(webhook.Config{Secrets: []string{secret}, Sink: c, Rejections: s, Timeout: 10 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, event, id, target, hookID string, body []byte, sign bool) {
		r := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		r.Header["X-Github-Event"] = []string{event}
		r.Header["X-Github-Delivery"] = []string{id}
		r.Header["X-Github-Hook-Installation-Target-Type"] = []string{target}
		r.Header["X-Github-Hook-Id"] = []string{hookID}
		if sign {
			r.Header.Set("X-Hub-Signature-256", loadgen.Sign([]byte(secret), body))
		}
		ctx := context.Background()
		before := rejections(t, s)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)

		switch code := w.Code; {
		case code >= 500:
			t.Fatalf("status %d with the database up: %s", code, w.Body)
		case !sign && code != http.StatusUnauthorized:
			t.Fatalf("unsigned delivery got %d", code)
		case code == http.StatusOK || code == http.StatusAccepted:
			if event == "ping" {
				return
			}
			n, err := s.CountDeliveries(ctx, []string{id})
			if err != nil || n != 1 {
				t.Fatalf("answered %d but the delivery is not stored (%d, %v)", code, n, err)
			}
		case code == http.StatusBadRequest:
			if rejections(t, s) != before+1 {
				t.Fatalf("signed delivery refused with 400 but no rejection recorded: %s", w.Body)
			}
		case code == http.StatusUnauthorized:
			if sign {
				t.Fatalf("signed delivery got 401")
			}
		default:
			t.Fatalf("undocumented status %d: %s", code, w.Body)
		}
	})
}

func rejections(t *testing.T, s *store.Store) int {
	t.Helper()
	var n int
	if err := s.Pool().QueryRow(context.Background(), "SELECT count(*) FROM delivery_rejections").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

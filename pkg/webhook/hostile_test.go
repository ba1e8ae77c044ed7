package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
	"github.com/jackc/pgx/v5/pgconn"
)

func withHeader(r *http.Request, k, v string) *http.Request {
	r.Header[k] = []string{v} // raw, so that bytes net/http would never send still arrive
	return r
}

// Hostile but signed deliveries: each gets a 4xx and a recorded rejection, never a 503, and
// nothing reaches the store.
func TestHostileSignedDeliveries(t *testing.T) {
	job := fixtures.Get("workflow_job.queued.1")
	manyLabels := make([]any, 1_000_000)
	for i := range manyLabels {
		manyLabels[i] = "l"
	}
	cases := []struct {
		name       string
		req        *http.Request
		sinkErr    error
		wantCode   int
		wantReject int
		wantStored int
	}{
		{name: "invalid UTF-8 delivery id", req: signed("workflow_job", "id-\xff\xfe", job), wantCode: 400, wantReject: 1},
		{name: "invalid UTF-8 event", req: signed("workflow_job\xff", "e1", job), wantCode: 400, wantReject: 1},
		{name: "invalid UTF-8 target type", req: withHeader(signed("workflow_job", "e2", job), "X-Github-Hook-Installation-Target-Type", "org\xc3"), wantCode: 400, wantReject: 1},
		{name: "delivery id too long", req: signed("workflow_job", strings.Repeat("x", 129), job), wantCode: 400, wantReject: 1},
		{name: "control character in delivery id", req: withHeader(signed("workflow_job", "x", job), "X-Github-Delivery", "a\x01b"), wantCode: 400, wantReject: 1},
		{name: "negative hook id", req: withHeader(signed("workflow_job", "e3", job), "X-Github-Hook-Id", "-5"), wantCode: 400, wantReject: 1},
		{name: "hook id not a number", req: withHeader(signed("workflow_job", "e4", job), "X-Github-Hook-Id", "12abc"), wantCode: 400, wantReject: 1},
		{name: "target id above int64", req: withHeader(signed("workflow_job", "e5", job), "X-Github-Hook-Installation-Target-Id", "99999999999999999999"), wantCode: 400, wantReject: 1},
		{name: "run_attempt above int32", req: signed("workflow_job", "e6", fixtures.Edited("workflow_job.queued.1", fixtures.SetJobField("run_attempt", 1<<40))), wantCode: 400, wantReject: 1},
		{name: "negative job id", req: signed("workflow_job", "e7", fixtures.Edited("workflow_job.queued.1", fixtures.SetJobField("id", -7))), wantCode: 400, wantReject: 1},
		{name: "negative run id", req: signed("workflow_job", "e8", fixtures.Edited("workflow_job.queued.1", fixtures.SetJobField("run_id", -1))), wantCode: 400, wantReject: 1},
		{name: "negative runner id", req: signed("workflow_job", "e9", fixtures.Edited("workflow_job.completed.1", fixtures.SetJobField("runner_id", -3))), wantCode: 400, wantReject: 1},
		{name: "created_at as a unix time long before Postgres' range", req: signed("workflow_job", "e10", fixtures.Edited("workflow_job.queued.1", fixtures.SetJobField("created_at", int64(-100_000_000_000_000)))), wantCode: 400, wantReject: 1},
		{name: "run number above int32", req: signed("workflow_run", "e11", fixtures.Edited("workflow_run.completed.1", func(m map[string]any) {
			m["workflow_run"].(map[string]any)["run_number"] = 1 << 35
		})), wantCode: 400, wantReject: 1},
		{name: "pull request number above int32", req: signed("workflow_run", "e12", fixtures.Edited("workflow_run.completed.1", func(m map[string]any) {
			m["workflow_run"].(map[string]any)["pull_requests"] = []any{map[string]any{"number": 1 << 33}}
		})), wantCode: 400, wantReject: 1},
		{name: "a million labels are capped and stored", req: signed("workflow_job", "e13", fixtures.Edited("workflow_job.queued.1", fixtures.SetJobField("labels", manyLabels))), wantCode: 200, wantStored: 1},
		{name: "data error from the store is 400, not 503", req: signed("workflow_job", "e14", job), sinkErr: &pgconn.PgError{Code: "22021"}, wantCode: 400, wantReject: 1},
		{name: "check violation from the store is 400", req: signed("workflow_job", "e15", job), sinkErr: &pgconn.PgError{Code: "23514"}, wantCode: 400, wantReject: 1},
		{name: "connection failure is 503", req: signed("workflow_job", "e16", job), sinkErr: &pgconn.PgError{Code: "08006"}, wantCode: 503},
		{name: "statement timeout is 503", req: signed("workflow_job", "e17", job), sinkErr: &pgconn.PgError{Code: "57014"}, wantCode: 503},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sink := &fakeSink{err: c.sinkErr}
			rej := &fakeRejections{}
			h, err := webhook.NewHandler(webhook.Config{Secrets: []string{secret}, Sink: sink, Rejections: rej, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, c.req)
			if w.Code != c.wantCode {
				t.Fatalf("code %d (%s), want %d", w.Code, strings.TrimSpace(w.Body.String()), c.wantCode)
			}
			if len(rej.got) != c.wantReject || len(sink.items) != c.wantStored {
				t.Fatalf("rejections %d, stored %d; want %d, %d", len(rej.got), len(sink.items), c.wantReject, c.wantStored)
			}
			if len(w.Body.String()) > 400 {
				t.Errorf("answer is %d bytes; input must not be echoed at length", w.Body.Len())
			}
			if c.wantStored == 1 {
				j := sink.items[0].Projection.Job
				if j == nil || len(j.Labels) != store.MaxLabels {
					t.Fatalf("labels not capped to %d: %d", store.MaxLabels, len(j.Labels))
				}
				if int64(len(sink.items[0].Delivery.Payload)) != c.req.ContentLength {
					t.Error("the raw payload must be kept whole")
				}
			}
		})
	}
}

// With the budget taken, a request waits briefly and then gets 503 with Retry-After; a
// small body still passes beside large ones thanks to the reserve.
func TestBudgetRefusesWithRetryAfter(t *testing.T) {
	job := fixtures.Get("workflow_job.queued.1")
	budget, err := webhook.NewBudget(4<<20, 1<<20, 64<<10, 3<<20)
	if err != nil {
		t.Fatal(err)
	}
	sink := &fakeSink{}
	h, err := webhook.NewHandler(webhook.Config{Secrets: []string{secret}, Sink: sink, MaxBody: 3 << 20,
		Budget: budget, BudgetWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	hold, err := budget.Acquire(context.Background(), 3<<20) // a large body being read
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Release()

	big := make([]byte, 2<<20)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signed("workflow_job", "big", big))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("large body over budget: code %d, Retry-After %q; want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, signed("workflow_job", "small", job))
	if w.Code != http.StatusOK {
		t.Fatalf("small body beside a large one: code %d, want 200", w.Code)
	}
	if budget.Used() != 3<<20 {
		t.Fatalf("budget used %d after the requests, want only the held %d", budget.Used(), 3<<20)
	}
}

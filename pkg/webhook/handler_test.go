package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
)

// fakeSink records submissions and answers as told.
type fakeSink struct {
	mu    sync.Mutex
	items []store.Item
	err   error
	block bool // wait for the request's context to end, like a hung database
}

func (f *fakeSink) Submit(ctx context.Context, it store.Item) (bool, error) {
	if f.block {
		<-ctx.Done()
		return false, ctx.Err()
	}
	if f.err != nil {
		return false, f.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, it)
	return true, nil
}

type fakeRejections struct{ got []store.Rejection }

func (f *fakeRejections) RecordRejection(_ context.Context, r store.Rejection) error {
	f.got = append(f.got, r)
	return nil
}

const secret, oldSecret = "s3cret-current", "s3cret-previous"

func request(event, id string, body []byte, sig string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	r.Header.Set("X-GitHub-Event", event)
	r.Header.Set("X-GitHub-Delivery", id)
	r.Header.Set("X-GitHub-Hook-ID", "123")
	if sig != "" {
		r.Header.Set("X-Hub-Signature-256", sig)
	}
	return r
}

func signed(event, id string, body []byte) *http.Request {
	return request(event, id, body, loadgen.Sign([]byte(secret), body))
}

// chunked hides the body's length, as a chunked request does.
func chunked(r *http.Request) *http.Request {
	r.ContentLength = -1
	return r
}

func TestHandler(t *testing.T) {
	job := fixtures.Get("workflow_job.queued.1")
	huge := make([]byte, webhook.MaxBody+1)
	cases := []struct {
		name       string
		req        *http.Request
		sink       *fakeSink
		wantCode   int
		wantStored int
		wantReject int
	}{
		{name: "signed workflow_job is stored and projected", req: signed("workflow_job", "a1", job), wantCode: 200, wantStored: 1},
		{name: "signed workflow_run", req: signed("workflow_run", "a2", fixtures.Get("workflow_run.completed.1")), wantCode: 200, wantStored: 1},
		{name: "other events are stored raw", req: signed("push", "a3", fixtures.Get("push.event.1")), wantCode: 202, wantStored: 1},
		{name: "ping answers 200 and stores nothing", req: signed("ping", "a4", fixtures.Get("ping.event.1")), wantCode: 200},
		{name: "previous secret still accepted during rotation",
			req: request("workflow_job", "a5", job, loadgen.Sign([]byte(oldSecret), job)), wantCode: 200, wantStored: 1},
		{name: "missing signature", req: request("workflow_job", "b1", job, ""), wantCode: 401},
		{name: "wrong secret", req: request("workflow_job", "b2", job, loadgen.Sign([]byte("guess"), job)), wantCode: 401},
		{name: "signature of other bytes", req: request("workflow_job", "b3", job, loadgen.Sign([]byte(secret), []byte("{}"))), wantCode: 401},
		{name: "sha1 form is refused", req: request("workflow_job", "b4", job, "sha1=0000000000000000000000000000000000000000"), wantCode: 401},
		{name: "oversized body", req: signed("workflow_job", "c1", huge), wantCode: 413},
		{name: "oversized body of undeclared length", req: chunked(signed("workflow_job", "c1b", huge)), wantCode: 413},
		{name: "small body of undeclared length", req: chunked(signed("workflow_job", "c1c", job)), wantCode: 200, wantStored: 1},
		{name: "malformed JSON with a valid signature", req: signed("workflow_job", "c2", []byte(`{"action":"queued","workflow_job":`)), wantCode: 400, wantReject: 1},
		{name: "unknown event with malformed JSON", req: signed("star", "c3", []byte(`not json`)), wantCode: 400, wantReject: 1},
		{name: "workflow_job without a job", req: signed("workflow_job", "c4", []byte(`{"action":"queued"}`)), wantCode: 400, wantReject: 1},
		{name: "missing delivery id", req: signed("workflow_job", "", job), wantCode: 400, wantReject: 1},
		{name: "database down", req: signed("workflow_job", "d1", job), sink: &fakeSink{err: errors.New("connection refused")}, wantCode: 503},
		{name: "database hangs", req: signed("workflow_job", "d2", job), sink: &fakeSink{block: true}, wantCode: 503},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sink := c.sink
			if sink == nil {
				sink = &fakeSink{}
			}
			rej := &fakeRejections{}
			h, err := webhook.NewHandler(webhook.Config{Secrets: []string{secret, oldSecret}, Sink: sink, Rejections: rej, Timeout: 200_000_000})
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, c.req)
			if w.Code != c.wantCode {
				t.Fatalf("code %d (%s), want %d", w.Code, strings.TrimSpace(w.Body.String()), c.wantCode)
			}
			if len(sink.items) != c.wantStored {
				t.Fatalf("stored %d, want %d", len(sink.items), c.wantStored)
			}
			if len(rej.got) != c.wantReject {
				t.Fatalf("rejections %d, want %d", len(rej.got), c.wantReject)
			}
			if c.wantStored == 1 {
				d := sink.items[0].Delivery
				if d.HookID != 123 || d.ID == "" || d.Event == "" || len(d.Payload) == 0 || d.ReceivedAt.IsZero() {
					t.Fatalf("delivery not filled in: %+v", d)
				}
			}
		})
	}
}

func TestNewHandlerRefusesEmptySecrets(t *testing.T) {
	cases := []struct {
		name    string
		secrets []string
	}{
		{"none", nil},
		{"one empty", []string{""}},
		{"empty among good", []string{"good", ""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := webhook.NewHandler(webhook.Config{Secrets: c.secrets, Sink: &fakeSink{}}); err == nil {
				t.Fatal("accepted an empty secret configuration")
			}
		})
	}
}

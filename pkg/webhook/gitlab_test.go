package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
)

const glToken, glOldToken = "gl-token-current", "gl-token-previous"

func gitlabRequest(event, uuid, token string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhook/gitlab", bytes.NewReader(body))
	r.Header.Set("X-Gitlab-Event", event)
	if uuid != "" {
		r.Header.Set("X-Gitlab-Event-UUID", uuid)
	}
	if token != "" {
		r.Header.Set("X-Gitlab-Token", token)
	}
	return r
}

func TestGitLabHandler(t *testing.T) {
	wrongType := fixtures.GitLabEdited("job", func(doc map[string]any) { doc["build_id"] = "3580121225" })
	cases := []struct {
		name       string
		req        func() *http.Request
		sinkErr    error
		maxBody    int64
		wantCode   int
		wantStored int
		wantReject bool
	}{
		{"job hook, current token", func() *http.Request {
			return gitlabRequest("Job Hook", "u-1", glToken, fixtures.GitLabGet("job"))
		}, nil, 0, 200, 1, false},
		{"pipeline hook, previous token", func() *http.Request {
			return gitlabRequest("Pipeline Hook", "u-2", glOldToken, fixtures.GitLabGet("pipeline"))
		}, nil, 0, 200, 1, false},
		{"other event stored raw", func() *http.Request {
			return gitlabRequest("Push Hook", "u-3", glToken, fixtures.GitLabGet("push"))
		}, nil, 0, 202, 1, false},
		{"missing token", func() *http.Request {
			return gitlabRequest("Job Hook", "u-4", "", fixtures.GitLabGet("job"))
		}, nil, 0, 401, 0, false},
		{"wrong token", func() *http.Request {
			return gitlabRequest("Job Hook", "u-5", glToken+"x", fixtures.GitLabGet("job"))
		}, nil, 0, 401, 0, false},
		{"GitHub's secret is not GitLab's token", func() *http.Request {
			return gitlabRequest("Job Hook", "u-6", secret, fixtures.GitLabGet("job"))
		}, nil, 0, 401, 0, false},
		{"field of the wrong type", func() *http.Request {
			return gitlabRequest("Job Hook", "u-7", glToken, wrongType)
		}, nil, 0, 400, 0, true},
		{"not JSON", func() *http.Request {
			return gitlabRequest("Pipeline Hook", "u-8", glToken, []byte("{"))
		}, nil, 0, 400, 0, true},
		{"no event UUID", func() *http.Request {
			return gitlabRequest("Job Hook", "", glToken, fixtures.GitLabGet("job"))
		}, nil, 0, 400, 0, true},
		{"over the body cap", func() *http.Request {
			return gitlabRequest("Job Hook", "u-9", glToken, fixtures.GitLabGet("job"))
		}, nil, 1024, 413, 0, false},
		{"store unavailable", func() *http.Request {
			return gitlabRequest("Job Hook", "u-10", glToken, fixtures.GitLabGet("job"))
		}, errors.New("connection refused"), 0, 503, 0, false},
		{"GET", func() *http.Request {
			r := gitlabRequest("Job Hook", "u-11", glToken, nil)
			r.Method = http.MethodGet
			return r
		}, nil, 0, 405, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sink, rej := &fakeSink{err: c.sinkErr}, &fakeRejections{}
			h, err := webhook.NewGitLabHandler(webhook.Config{Secrets: []string{glToken, glOldToken}, Sink: sink, Rejections: rej, MaxBody: c.maxBody})
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, c.req())
			if w.Code != c.wantCode || len(sink.items) != c.wantStored || (len(rej.got) > 0) != c.wantReject {
				t.Fatalf("answer %d %q, %d stored, %d rejections; want %d, %d stored, rejection %v",
					w.Code, w.Body.String(), len(sink.items), len(rej.got), c.wantCode, c.wantStored, c.wantReject)
			}
			if strings.Contains(w.Body.String(), glToken) {
				t.Fatal("the answer echoes the token")
			}
			for _, it := range sink.items {
				if it.Delivery.Forge != store.ForgeGitLab {
					t.Fatalf("delivery forge %q", it.Delivery.Forge)
				}
			}
			for _, r := range rej.got {
				if r.Forge != store.ForgeGitLab {
					t.Fatalf("rejection forge %q", r.Forge)
				}
			}
		})
	}
}

// Idempotency-Key, which GitLab keeps across retries, is the delivery's id when sent.
func TestGitLabDeliveryID(t *testing.T) {
	cases := []struct{ name, key, uuid, want string }{
		{"event UUID", "", "e-1", "e-1"},
		{"idempotency key first", "k-1", "e-2", "k-1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sink := &fakeSink{}
			h, err := webhook.NewGitLabHandler(webhook.Config{Secrets: []string{glToken}, Sink: sink})
			if err != nil {
				t.Fatal(err)
			}
			r := gitlabRequest("Job Hook", c.uuid, glToken, fixtures.GitLabGet("job"))
			if c.key != "" {
				r.Header.Set("Idempotency-Key", c.key)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if len(sink.items) != 1 || sink.items[0].Delivery.ID != c.want {
				t.Fatalf("items %+v, want id %q", sink.items, c.want)
			}
		})
	}
}

func TestGitLabHandlerRefusesNoToken(t *testing.T) {
	for _, tokens := range [][]string{nil, {""}, {glToken, ""}} {
		if _, err := webhook.NewGitLabHandler(webhook.Config{Secrets: tokens, Sink: &fakeSink{}}); err == nil {
			t.Fatalf("tokens %q accepted", tokens)
		}
	}
}

// Through the real group commit and Postgres: a job hook for a pipeline never seen is
// stored and projected, the pipeline joins later, a resend with the same UUID is stored
// once, and a payload with a field of the wrong type is refused and on record.
func TestGitLabThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, pgtest.NewDatabase(t), store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := store.NewCommitter(s, store.CommitterOptions{Writers: 1})
	defer c.Close()
	h, err := webhook.NewGitLabHandler(webhook.Config{Secrets: []string{glToken}, Sink: c, Rejections: s})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		event, uuid string
		body        []byte
		want        int
	}{
		{"Job Hook", "job-1", fixtures.GitLabGet("job"), 200},
		{"Job Hook", "job-1", fixtures.GitLabGet("job"), 200}, // resent: "already stored"
		{"Pipeline Hook", "pipe-1", fixtures.GitLabEdited("pipeline", func(doc map[string]any) {
			doc["object_attributes"].(map[string]any)["id"] = 743121198
		}), 200},
		{"Job Hook", "bad-1", fixtures.GitLabEdited("job", func(doc map[string]any) { doc["pipeline_id"] = []int{1} }), 400},
	}
	for _, st := range steps {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, gitlabRequest(st.event, st.uuid, glToken, st.body))
		if w.Code != st.want {
			t.Fatalf("%s %s: %d %q, want %d", st.event, st.uuid, w.Code, w.Body.String(), st.want)
		}
	}
	var deliveries, jobs, runs, rejections int
	err = s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM deliveries WHERE forge = 'gitlab'),
		(SELECT count(*) FROM workflow_jobs WHERE forge = 'gitlab' AND run_id = 743121198),
		(SELECT count(*) FROM workflow_runs WHERE forge = 'gitlab' AND run_id = 743121198),
		(SELECT count(*) FROM delivery_rejections WHERE forge = 'gitlab' AND delivery_id = 'bad-1')`).Scan(&deliveries, &jobs, &runs, &rejections)
	if err != nil {
		t.Fatal(err)
	}
	// Jobs: the Job Hook's, and the five the Pipeline Hook's builds list carries.
	if deliveries != 2 || jobs != 6 || runs != 1 || rejections != 1 {
		t.Fatalf("deliveries %d, jobs %d, runs %d, rejections %d; want 2, 6, 1, 1", deliveries, jobs, runs, rejections)
	}
}

// FuzzGitLabHandler drives the GitLab handler (headers and body) against a real store,
// seeded with every GitLab example: never 5xx with the database up, 2xx only once stored,
// a 400 with a token on record as a rejection, and no trace without the token.
func FuzzGitLabHandler(f *testing.F) {
	for _, p := range fixtures.GitLab() {
		f.Add(p.Event, "seed-"+p.Name, "", p.Body, true)
	}
	f.Add("Job Hook", "uuid-\xff", "key\x01", fixtures.GitLabGet("job"), true)
	f.Add("Pipeline Hook", "unsigned", "", fixtures.GitLabGet("pipeline"), false)
	s, err := store.Open(context.Background(), pgtest.NewDatabase(f), store.Options{MaxConns: 4})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(s.Close)
	c := store.NewCommitter(s, store.CommitterOptions{Writers: 1})
	f.Cleanup(c.Close)
	h, err := webhook.NewGitLabHandler(webhook.Config{Secrets: []string{glToken}, Sink: c, Rejections: s, Timeout: 10 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, event, uuid, key string, body []byte, withToken bool) {
		r := httptest.NewRequest(http.MethodPost, "/webhook/gitlab", bytes.NewReader(body))
		r.Header["X-Gitlab-Event"] = []string{event}
		r.Header["X-Gitlab-Event-Uuid"] = []string{uuid}
		if key != "" {
			r.Header["Idempotency-Key"] = []string{key}
		}
		if withToken {
			r.Header.Set("X-Gitlab-Token", glToken)
		}
		id := strings.TrimSpace(key)
		if id == "" {
			id = strings.TrimSpace(uuid)
		}
		before := rejections(t, s)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch code := w.Code; {
		case code >= 500:
			t.Fatalf("status %d with the database up: %s", code, w.Body)
		case !withToken && code != http.StatusUnauthorized:
			t.Fatalf("delivery without the token got %d", code)
		case code == http.StatusOK || code == http.StatusAccepted:
			if n, err := s.CountDeliveries(context.Background(), []string{id}); err != nil || n != 1 {
				t.Fatalf("answered %d but the delivery is not stored (%d, %v)", code, n, err)
			}
		case code == http.StatusBadRequest:
			if rejections(t, s) != before+1 {
				t.Fatalf("refused with 400 but no rejection recorded: %s", w.Body)
			}
		case code == http.StatusUnauthorized:
			if withToken || rejections(t, s) != before {
				t.Fatalf("401 with the token, or a rejection recorded for a stranger")
			}
		default:
			t.Fatalf("undocumented status %d: %s", code, w.Body)
		}
	})
}

// Package webhook is the HTTP side of the receiver: it caps the body, verifies GitHub's
// signature before reading anything else, parses the payload, and hands the delivery to
// the store, answering 2xx only once the delivery has committed.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/ratelog"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/google/go-github/v62/github"
)

// MaxBody is GitHub's own cap on a webhook payload.
const MaxBody = 25 << 20

// Sink is where verified deliveries go: the store's group committer in production.
type Sink interface {
	Submit(ctx context.Context, it store.Item) (stored bool, err error)
}

// Rejections records signed deliveries that could not be parsed.
type Rejections interface {
	RecordRejection(ctx context.Context, r store.Rejection) error
}

// Config is what a Handler needs.
type Config struct {
	// Secrets are the accepted webhook secrets. More than one lets a secret be rotated
	// without downtime: add the new one, change it on GitHub, then drop the old one.
	Secrets    []string
	Sink       Sink
	Rejections Rejections
	Metrics    *Metrics
	Logger     *slog.Logger
	// Timeout bounds how long a delivery may wait for its commit before the answer is 503.
	Timeout time.Duration
	MaxBody int64
	// Budget bounds the bytes of bodies being read at once (default: DefaultBudget).
	Budget *Budget
	// BudgetWait is how long a body waits for budget before the answer is 503 (default 2s).
	BudgetWait time.Duration
	// BodyTimeout is how long a body may take to arrive once admitted (default 20s; GitHub
	// itself gives up on a delivery after 10).
	BodyTimeout time.Duration
	// Sources, when set, is the allowlist of sender addresses; nil lets every address in.
	Sources *Sources
	Now     func() time.Time
}

// Defaults of the body budget: 64 MiB read at once at most, 12 MiB of it kept for bodies of
// up to 1 MiB. Two 25 MiB bodies fit beside the reserve; real deliveries (2-30 KB) never
// wait behind them.
const (
	DefaultBudgetBytes  = 64 << 20
	DefaultReserveBytes = 12 << 20
	DefaultSmallBody    = 1 << 20
)

// Handler serves POST /webhook.
type Handler struct {
	cfg     Config
	secrets [][]byte
	logs    *ratelog.Limiter
}

// NewHandler validates cfg. An empty secret is refused: go-github accepts any payload when
// the secret is empty, which would let anyone write to the store.
func NewHandler(cfg Config) (*Handler, error) {
	var errs []error
	if len(cfg.Secrets) == 0 {
		errs = append(errs, errors.New("at least one webhook secret is required"))
	}
	h := &Handler{cfg: cfg}
	for i, s := range cfg.Secrets {
		if s == "" {
			errs = append(errs, fmt.Errorf("webhook secret %d is empty", i+1))
		}
		h.secrets = append(h.secrets, []byte(s))
	}
	if cfg.Sink == nil {
		errs = append(errs, errors.New("no sink for deliveries"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if h.cfg.Timeout <= 0 {
		h.cfg.Timeout = 1500 * time.Millisecond
	}
	if h.cfg.MaxBody <= 0 {
		h.cfg.MaxBody = MaxBody
	}
	if h.cfg.Budget == nil {
		b, err := NewBudget(max(DefaultBudgetBytes, h.cfg.MaxBody+DefaultReserveBytes), DefaultReserveBytes, DefaultSmallBody, h.cfg.MaxBody)
		if err != nil {
			return nil, err
		}
		h.cfg.Budget = b
	}
	if h.cfg.BudgetWait <= 0 {
		h.cfg.BudgetWait = 2 * time.Second
	}
	if h.cfg.BodyTimeout <= 0 {
		h.cfg.BodyTimeout = 20 * time.Second
	}
	if h.cfg.Now == nil {
		h.cfg.Now = time.Now
	}
	if h.cfg.Logger == nil {
		h.cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if h.cfg.Metrics == nil {
		h.cfg.Metrics = NewMetrics(nil)
	}
	h.logs = ratelog.New(h.cfg.Logger, 10*time.Second)
	return h, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.cfg.Now()
	event := r.Header.Get("X-GitHub-Event")
	code, outcome, msg := h.serve(w, r, event, start)
	h.respond(w, event, start, code, outcome, msg)
}

// respond counts the delivery and writes its answer.
func (h *Handler) respond(w http.ResponseWriter, event string, start time.Time, code int, outcome, msg string) {
	h.cfg.Metrics.observe(event, outcome, code, time.Since(start))
	if code >= 500 {
		w.Header().Set("Retry-After", "5")
	}
	if unreadBody[outcome] {
		// The body was not read; without this the server would go on reading it (up to
		// 256 KiB, at the sender's pace) just to keep a stranger's connection alive.
		w.Header().Set("Connection", "close")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	io.WriteString(w, msg+"\n")
}

// unreadBody are the outcomes answered before the body was read whole.
var unreadBody = map[string]bool{"forbidden_source": true, "too_large": true, "over_budget": true, "slow_body": true, "unreadable": true,
	"bad_token": true}

// serve does the work and returns the status, the outcome label for metrics, and the text.
// Every check that costs nothing comes before the body is read, and the signature before
// anything in the body is believed.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, event string, received time.Time) (int, string, string) {
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, "bad_method", "use POST"
	}
	if h.cfg.Sources != nil {
		if addr, ok := h.cfg.Sources.Allowed(r); !ok {
			h.logs.Warn("source", "delivery from an address not allowed", "addr", addr.String())
			return http.StatusForbidden, "forbidden_source", "this address may not deliver webhooks"
		}
	}
	body, grant, err := h.readBody(w, r)
	defer grant.Release()
	if code, outcome, msg := bodyError(err, h.cfg.MaxBody); code != 0 {
		if code >= 500 {
			h.logs.Warn(outcome, "request body refused", "outcome", outcome, "error", err)
		}
		return code, outcome, msg
	}
	if !h.verify(r.Header.Get("X-Hub-Signature-256"), body) {
		return http.StatusUnauthorized, "bad_signature", "missing or invalid X-Hub-Signature-256"
	}
	if event == "ping" {
		return http.StatusOK, "ping", "pong"
	}
	d := store.Delivery{
		ID: r.Header.Get("X-GitHub-Delivery"), Event: event,
		TargetType: r.Header.Get("X-GitHub-Hook-Installation-Target-Type"),
		ReceivedAt: received.UTC(), Payload: body,
	}
	var hookErr, targetErr error
	d.HookID, hookErr = headerInt(r, "X-GitHub-Hook-ID")
	d.TargetID, targetErr = headerInt(r, "X-GitHub-Hook-Installation-Target-ID")
	if err := errors.Join(hookErr, targetErr); err != nil {
		err = fmt.Errorf("%w: %w", store.ErrUnstorable, err)
		h.reject(r.Context(), d, err)
		return http.StatusBadRequest, "bad_headers", clip(err.Error(), 300)
	}
	if err := store.ValidateDelivery(d); err != nil {
		h.reject(r.Context(), d, err)
		return http.StatusBadRequest, "bad_headers", clip(err.Error(), 300)
	}
	return h.accept(r.Context(), d)
}

// accept projects a verified delivery and hands it to the sink, whichever forge sent it:
// 400 (and a rejection on record) for a payload that cannot be projected or stored, 503
// when the store is unavailable, 2xx only once the delivery has committed.
func (h *Handler) accept(rctx context.Context, d store.Delivery) (int, string, string) {
	event := d.Event
	proj, err := store.Project(d)
	if err != nil {
		h.reject(rctx, d, err)
		if errors.Is(err, store.ErrUnstorable) {
			return http.StatusBadRequest, "unstorable", clip(err.Error(), 300)
		}
		return http.StatusBadRequest, "malformed", "payload is not a valid " + clip(event, 64) + " event"
	}
	d.Action = proj.Action
	ctx, cancel := context.WithTimeout(rctx, h.cfg.Timeout)
	defer cancel()
	stored, err := h.cfg.Sink.Submit(ctx, store.Item{Delivery: d, Projection: proj})
	switch {
	case err != nil && store.IsDataError(err):
		// Validation should have caught it; if Postgres refuses the data anyway, retrying
		// cannot help, so the sender is told, and the delivery is on record as refused.
		h.reject(rctx, d, err)
		return http.StatusBadRequest, "refused", "the store refused this delivery's content"
	case err != nil:
		h.logs.Warn("unavailable", "delivery not stored", "delivery", d.ID, "event", d.Event, "error", err)
		return http.StatusServiceUnavailable, "unavailable", "store unavailable; the delivery was not stored"
	case !stored:
		return http.StatusOK, "duplicate", "already stored"
	case proj.Job == nil && proj.Run == nil:
		return http.StatusAccepted, "stored_raw", "stored"
	default:
		return http.StatusOK, "stored", "stored"
	}
}

// bodyError maps a failed read to its answer; code 0 means the body was read.
func bodyError(err error, limit int64) (code int, outcome, msg string) {
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return 0, "", ""
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body over %d bytes", limit)
	case errors.Is(err, ErrOverBudget):
		return http.StatusServiceUnavailable, "over_budget", "too many bodies being received; retry later"
	case errors.Is(err, errSlowBody):
		return http.StatusRequestTimeout, "slow_body", "body not received in time"
	default:
		return http.StatusBadRequest, "unreadable", "could not read body"
	}
}

// verify checks the HMAC-SHA256 signature against every accepted secret. go-github compares
// in constant time; only the sha256 form is accepted.
func (h *Handler) verify(sig string, body []byte) bool {
	if !strings.HasPrefix(sig, "sha256=") {
		return false
	}
	for _, s := range h.secrets {
		if github.ValidateSignature(sig, body, s) == nil {
			return true
		}
	}
	return false
}

func (h *Handler) reject(ctx context.Context, d store.Delivery, cause error) {
	h.logs.Warn("rejected", "delivery rejected", "delivery", safe(d.ID), "event", safe(d.Event), "bytes", len(d.Payload), "error", cause)
	if h.cfg.Rejections == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.cfg.Timeout)
	defer cancel()
	if err := h.cfg.Rejections.RecordRejection(ctx, store.Rejection{DeliveryID: d.ID, Event: d.Event,
		Reason: cause.Error(), Size: len(d.Payload), ReceivedAt: d.ReceivedAt, Forge: d.Forge}); err != nil {
		h.logs.Warn("rejection_not_recorded", "could not record rejection", "delivery", safe(d.ID), "error", err)
	}
}

// headerInt parses an optional numeric header: absent is 0, anything but a non-negative
// integer is an error.
func headerInt(r *http.Request, name string) (int64, error) {
	v := r.Header.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s is not a non-negative integer: %q", name, clip(v, 40))
	}
	return n, nil
}

// safe makes a header value fit for a log line: valid UTF-8, and short.
func safe(s string) string { return clip(strings.ToValidUTF8(s, "?"), 128) }

// clip cuts s to at most n bytes, without leaving half a character at the end.
func clip(s string, n int) string {
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "")
	}
	return s
}

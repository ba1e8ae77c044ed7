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
	Now     func() time.Time
}

// Handler serves POST /webhook.
type Handler struct {
	cfg     Config
	secrets [][]byte
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
	if h.cfg.Now == nil {
		h.cfg.Now = time.Now
	}
	if h.cfg.Logger == nil {
		h.cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if h.cfg.Metrics == nil {
		h.cfg.Metrics = NewMetrics(nil)
	}
	return h, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.cfg.Now()
	event := r.Header.Get("X-GitHub-Event")
	code, outcome, msg := h.serve(r, event, start)
	h.cfg.Metrics.observe(event, outcome, code, time.Since(start))
	if code >= 500 {
		w.Header().Set("Retry-After", "5")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	io.WriteString(w, msg+"\n")
}

// serve does the work and returns the status, the outcome label for metrics, and the text.
func (h *Handler) serve(r *http.Request, event string, received time.Time) (int, string, string) {
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, "bad_method", "use POST"
	}
	body, err := readBody(r, h.cfg.MaxBody)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body over %d bytes", h.cfg.MaxBody)
		}
		return http.StatusBadRequest, "unreadable", "could not read body"
	}
	if !h.verify(r.Header.Get("X-Hub-Signature-256"), body) {
		return http.StatusUnauthorized, "bad_signature", "missing or invalid X-Hub-Signature-256"
	}
	id := r.Header.Get("X-GitHub-Delivery")
	if event == "" || id == "" || len(id) > 128 || len(event) > 128 {
		return http.StatusBadRequest, "bad_headers", "X-GitHub-Event and X-GitHub-Delivery are required"
	}
	if event == "ping" {
		return http.StatusOK, "ping", "pong"
	}
	d := store.Delivery{
		ID: id, Event: event,
		HookID:     headerInt(r, "X-GitHub-Hook-ID"),
		TargetType: r.Header.Get("X-GitHub-Hook-Installation-Target-Type"),
		TargetID:   headerInt(r, "X-GitHub-Hook-Installation-Target-ID"),
		ReceivedAt: received.UTC(), Payload: body,
	}
	proj, err := store.Project(d)
	if err != nil {
		h.reject(r.Context(), d, err)
		return http.StatusBadRequest, "malformed", "payload is not a valid " + event + " event"
	}
	d.Action = clip(proj.Action, 64)
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Timeout)
	defer cancel()
	stored, err := h.cfg.Sink.Submit(ctx, store.Item{Delivery: d, Projection: proj})
	if err != nil {
		h.cfg.Logger.Warn("delivery not stored", "delivery", id, "event", event, "error", err)
		return http.StatusServiceUnavailable, "unavailable", "store unavailable; the delivery was not stored"
	}
	switch {
	case !stored:
		return http.StatusOK, "duplicate", "already stored"
	case proj.Job == nil && proj.Run == nil:
		return http.StatusAccepted, "stored_raw", "stored"
	default:
		return http.StatusOK, "stored", "stored"
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
	h.cfg.Logger.Warn("malformed delivery rejected", "delivery", d.ID, "event", d.Event, "bytes", len(d.Payload), "error", cause)
	if h.cfg.Rejections == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.cfg.Timeout)
	defer cancel()
	if err := h.cfg.Rejections.RecordRejection(ctx, store.Rejection{DeliveryID: d.ID, Event: d.Event,
		Reason: cause.Error(), Size: len(d.Payload), ReceivedAt: d.ReceivedAt}); err != nil {
		h.cfg.Logger.Warn("could not record rejection", "delivery", d.ID, "error", err)
	}
}

// readBody reads at most limit bytes. GitHub always sends Content-Length, so the body is
// read into one buffer of that size: growing a buffer from 512 bytes cost a tenth of the
// receiver's CPU in copies and small reads. A declared length over the limit is refused
// before any byte is read.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	body := http.MaxBytesReader(nil, r.Body, limit)
	if r.ContentLength < 0 {
		return io.ReadAll(body)
	}
	buf := make([]byte, r.ContentLength)
	if _, err := io.ReadFull(body, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

func headerInt(r *http.Request, name string) int64 {
	v, _ := strconv.ParseInt(r.Header.Get(name), 10, 64)
	return v
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Package badge serves README status badges from the receiver: GET
// /badge/{owner}/{repo}.svg shows a repository's latest default-branch result (each
// workflow's newest completed run; ?workflow= narrows to one, ?branch= picks another
// branch, ?event=schedule shows the nightly result). Badges are off unless the operator
// names repositories in an allowlist or allows public repositories; every other
// repository gets the same 404 as one that does not exist, so a badge URL tells nothing
// about what CI Radar stores. Answers are small hand-written SVGs with cache headers and
// an ETag, and clients are rate-limited.
package badge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
)

// Prefix is where badges are served.
const Prefix = "/badge/"

// Reader is what a badge needs from the store.
type Reader interface {
	Badge(ctx context.Context, q store.BadgeQuery) (store.BadgeResult, error)
}

// Config says which badges are served, and how often.
type Config struct {
	Store Reader
	// Allow names the repositories (owner/name, any case) that get a badge whatever their
	// visibility; Public also answers for repositories whose runs say they are public.
	Allow  []string
	Public bool
	// MaxAge is how long clients and proxies may keep a badge (default 5m).
	MaxAge time.Duration
	// Rate and Burst bound one client's badges per second; GlobalRate bounds them all
	// (defaults 2, 20 and 50). Trusted are the proxies whose X-Forwarded-For is believed.
	Rate, GlobalRate float64
	Burst            int
	Trusted          []netip.Prefix
	Logger           *slog.Logger
	Now              func() time.Time
}

// Enabled reports whether any badge can be answered at all.
func (c Config) Enabled() bool { return len(c.Allow) > 0 || c.Public }

type handler struct {
	cfg     Config
	allow   map[string]string // lower-case name → the name as configured
	limiter *limiter
}

// New builds the badge handler. It answers every path under Prefix itself, raw, so that
// no path cleaning redirects a hostile path anywhere.
func New(cfg Config) (http.Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("badge: a store is required")
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 5 * time.Minute
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 2
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 20
	}
	if cfg.GlobalRate <= 0 {
		cfg.GlobalRate = 50
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &handler{cfg: cfg, allow: map[string]string{}, limiter: newLimiter(cfg.Rate, cfg.Burst, cfg.GlobalRate, cfg.Now)}
	for _, a := range cfg.Allow {
		owner, name, ok := strings.Cut(a, "/")
		if !ok || !validOwner(owner) || !validRepo(name) {
			return nil, errors.New("badge: allowlist entry " + strconv.Quote(a) + " is not owner/name")
		}
		h.allow[strings.ToLower(a)] = a
	}
	return h, nil
}

// Mount sends every request under Prefix to badges and the rest to next. The badge
// handler sees the path as it came: http.ServeMux would answer an unclean one (dot
// segments, double slashes) with a redirect instead of the 400 or 404 it deserves.
func Mount(next, badges http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, Prefix) {
			badges.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		plain(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	client, _ := webhook.ClientAddr(r, h.cfg.Trusted)
	if wait, ok := h.limiter.take(client); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		plain(w, http.StatusTooManyRequests, "too many badge requests")
		return
	}
	q, status, msg := parseRequest(r)
	if status != 0 {
		plain(w, status, msg)
		return
	}
	configured, listed := h.allow[strings.ToLower(q.Repo)]
	if listed {
		q.Repo = configured
	} else if !h.cfg.Public {
		notFound(w)
		return
	}
	res, err := h.cfg.Store.Badge(r.Context(), q)
	if err != nil {
		h.cfg.Logger.Warn("badge lookup failed", "error", err)
		w.Header().Set("Retry-After", "30")
		plain(w, http.StatusServiceUnavailable, "badge unavailable, try again later")
		return
	}
	// Only what the operator listed, or what is public, exists here: a private repository
	// answers exactly as an unknown one.
	if !listed && (!res.Found || res.Visibility != "public") {
		notFound(w)
		return
	}
	h.write(w, r, render(label(q), summarise(res.Conclusions)))
}

// write sends the SVG with its cache headers; a client that has it gets 304.
func (h *handler) write(w http.ResponseWriter, r *http.Request, svg []byte) {
	sum := sha256.Sum256(svg)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	hd := w.Header()
	hd.Set("ETag", etag)
	secs := strconv.Itoa(int(h.cfg.MaxAge.Seconds()))
	// no-cache for GitHub's image proxy is not wanted: it would fetch on every view. The
	// proxy honours max-age, and a stale badge for a few minutes is the usual trade.
	hd.Set("Cache-Control", "public, max-age="+secs+", s-maxage="+secs+", stale-while-revalidate=60")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", "image/svg+xml; charset=utf-8")
	hd.Set("Content-Length", strconv.Itoa(len(svg)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(svg) //nolint:errcheck // the client went away
	}
}

// notFound is the one answer for a repository that gets no badge, whatever the reason.
func notFound(w http.ResponseWriter) { plain(w, http.StatusNotFound, "no such badge") }

// plain writes a fixed message. No part of the request is ever echoed.
func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(msg + "\n")) //nolint:errcheck // the client went away
}

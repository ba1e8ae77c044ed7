package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/badge"
	"github.com/ciradar/ciradar/pkg/store"
)

// badgeFlags turn on README badges (docs/badge.md). They are off unless repositories are
// listed or public ones allowed.
type badgeFlags struct {
	repos       string
	public      bool
	maxAge      time.Duration
	rate, burst int
	globalRate  int
}

func addBadgeFlags(cfg *config) *badgeFlags {
	f := &badgeFlags{}
	cfg.String(&f.repos, "badge-repos", "CIRADAR_BADGE_REPOS", "",
		"comma-separated OWNER/NAME repositories served a README badge at /badge/OWNER/NAME.svg (empty with -badge-public off: no badges)")
	cfg.Bool(&f.public, "badge-public", "CIRADAR_BADGE_PUBLIC", false,
		"also serve badges for every repository whose runs say it is public")
	cfg.Duration(&f.maxAge, "badge-max-age", "CIRADAR_BADGE_MAX_AGE", 5*time.Minute, "how long clients and proxies may cache a badge")
	cfg.Int(&f.rate, "badge-rate", "CIRADAR_BADGE_RATE", 2, "badges per second one client address may fetch, on average")
	cfg.Int(&f.burst, "badge-burst", "CIRADAR_BADGE_BURST", 20, "badges one client address may fetch at once")
	cfg.Int(&f.globalRate, "badge-global-rate", "CIRADAR_BADGE_GLOBAL_RATE", 50, "badges per second served to all clients together")
	cfg.Check(func() error {
		var errs []error
		if f.maxAge < time.Second {
			errs = append(errs, errors.New("-badge-max-age must be at least 1s"))
		}
		if f.rate < 1 || f.burst < 1 || f.globalRate < 1 {
			errs = append(errs, errors.New("-badge-rate, -badge-burst and -badge-global-rate must be positive"))
		}
		for _, r := range splitList(f.repos) {
			if owner, name, ok := strings.Cut(r, "/"); !ok || owner == "" || name == "" || strings.Contains(name, "/") {
				errs = append(errs, fmt.Errorf("-badge-repos entry %q: want OWNER/NAME", r))
			}
		}
		return errors.Join(errs...)
	})
	return f
}

// mount puts the badges in front of mux when they are on; off, /badge/ is the mux's own
// 404 like any unknown path.
func (f *badgeFlags) mount(mux http.Handler, s *store.Store, l *limitFlags, log *slog.Logger) (http.Handler, error) {
	if f == nil {
		return mux, nil
	}
	cfg := badge.Config{Store: s, Allow: splitList(f.repos), Public: f.public, MaxAge: f.maxAge,
		Rate: float64(f.rate), Burst: f.burst, GlobalRate: float64(f.globalRate), Trusted: l.trusted, Logger: log}
	if !cfg.Enabled() {
		return mux, nil
	}
	h, err := badge.New(cfg)
	if err != nil {
		return nil, err
	}
	log.Info("serving README badges", "repos", len(cfg.Allow), "public", cfg.Public)
	return badge.Mount(mux, h), nil
}

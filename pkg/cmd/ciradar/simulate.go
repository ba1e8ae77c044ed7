package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ciradar/ciradar/pkg/simulate"
	"github.com/ciradar/ciradar/pkg/simulate/fakegithub"
)

type simulateFlags struct {
	url, secret, world, truth, apiAddr, apiToken, start string
	speedS, dupS, reorderS, dropS, vanishS, qcancelS    string
	seed, concurrency                                   int
	since, duration                                     time.Duration
	speed                                               float64
	noise                                               simulate.Noise
	vanish, queueCancel                                 *float64 // nil: the world's own
	logs                                                *logFlags
	gitlab                                              simGitLabFlags // simulate_gitlab.go
}

var simulateCommand = command{
	name:    "simulate",
	summary: "play a simulated GitHub Actions and GitLab CI world into a receiver, with fake APIs and ground truth",
	setup: func(cfg *config) func(context.Context) error {
		f := &simulateFlags{}
		cfg.URL(&f.url, "url", "CIRADAR_SIMULATE_URL", "http://127.0.0.1:8080/webhook", "the receiver's webhook URL", false)
		cfg.Secret(&f.secret, "webhook-secret", "CIRADAR_WEBHOOK_SECRET", "secret to sign deliveries with")
		cfg.String(&f.world, "world", "CIRADAR_SIMULATE_WORLD", "", "world config file (JSON); empty: the built-in mid-size company")
		cfg.Int(&f.seed, "seed", "CIRADAR_SIMULATE_SEED", 1, "random seed: the same seed, world and start give the same deliveries")
		cfg.Duration(&f.since, "since", "CIRADAR_SIMULATE_SINCE", 0, "history to send first, as fast as accepted, ending now (e.g. 720h)")
		cfg.Duration(&f.duration, "duration", "CIRADAR_SIMULATE_DURATION", 0, "simulated time to play after the history; 0: keep going")
		cfg.String(&f.speedS, "speed", "CIRADAR_SIMULATE_SPEED", "1", "simulated seconds per wall second; 0: as fast as the receiver accepts")
		cfg.String(&f.start, "start", "CIRADAR_SIMULATE_START", "", "RFC 3339 start of simulated time (default: worked out so the run ends now)")
		cfg.Int(&f.concurrency, "concurrency", "CIRADAR_SIMULATE_CONCURRENCY", 8, "requests in flight; 1 sends in order")
		cfg.String(&f.dupS, "duplicate-rate", "CIRADAR_SIMULATE_DUPLICATE_RATE", "0", "share of deliveries sent twice (0..1)")
		cfg.String(&f.reorderS, "reorder-rate", "CIRADAR_SIMULATE_REORDER_RATE", "0", "share of deliveries overtaken by later ones (0..1)")
		cfg.String(&f.dropS, "drop-rate", "CIRADAR_SIMULATE_DROP_RATE", "0", "share of deliveries never sent, listed as failed by the fake API (0..1)")
		cfg.String(&f.vanishS, "vanish-rate", "CIRADAR_SIMULATE_VANISH_RATE", "",
			"share of jobs GitHub forgets after their queued event (the fake API answers 404) (0..1; empty: the world's)")
		cfg.String(&f.qcancelS, "queue-cancel-rate", "CIRADAR_SIMULATE_QUEUE_CANCEL_RATE", "",
			"share of queued jobs whose run is cancelled before a runner takes them (0..1; empty: the world's)")
		cfg.String(&f.truth, "truth", "CIRADAR_SIMULATE_TRUTH", "", "write the ground truth JSON here when the run ends")
		cfg.Addr(&f.apiAddr, "api-addr", "CIRADAR_SIMULATE_API_ADDR", "", "serve the fake GitHub REST API on this address (e.g. :8081)", true)
		cfg.Secret(&f.apiToken, "api-token", "CIRADAR_SIMULATE_API_TOKEN", "token the fake API requires; empty: any")
		addSimGitLabFlags(cfg, &f.gitlab)
		f.logs = addLogFlags(cfg)
		cfg.Check(f.check)
		return func(ctx context.Context) error { return runSimulate(ctx, f, f.logs.logger()) }
	},
}

func (f *simulateFlags) check() error {
	errs := []error{f.gitlab.check()}
	rate := func(name, v string, into *float64) {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 || x > 1 {
			errs = append(errs, fmt.Errorf("-%s %q: want a number from 0 to 1", name, v))
		}
		*into = x
	}
	rate("duplicate-rate", f.dupS, &f.noise.Duplicate)
	rate("reorder-rate", f.reorderS, &f.noise.Reorder)
	rate("drop-rate", f.dropS, &f.noise.Drop)
	for _, o := range []struct {
		name, v string
		into    **float64
	}{{"vanish-rate", f.vanishS, &f.vanish}, {"queue-cancel-rate", f.qcancelS, &f.queueCancel}} {
		if o.v != "" {
			*o.into = new(float64)
			rate(o.name, o.v, *o.into)
		}
	}
	speed, err := strconv.ParseFloat(f.speedS, 64)
	if err != nil || speed < 0 {
		errs = append(errs, fmt.Errorf("-speed %q: want a number, 0 or more", f.speedS))
	}
	f.speed = speed
	if f.secret == "" {
		errs = append(errs, errors.New("-webhook-secret or CIRADAR_WEBHOOK_SECRET is required"))
	}
	if f.concurrency < 1 || f.seed < 0 {
		errs = append(errs, errors.New("-seed must not be negative, -concurrency at least 1"))
	}
	if speed == 0 && f.since == 0 && f.duration == 0 {
		errs = append(errs, errors.New("-speed 0 sends as fast as accepted: give it -since or -duration to send"))
	}
	if speed > 1 && f.duration == 0 && f.start == "" {
		errs = append(errs, errors.New("-speed above 1 needs -duration: otherwise simulated time runs into the future"))
	}
	if f.start != "" {
		if _, err := time.Parse(time.RFC3339, f.start); err != nil {
			errs = append(errs, fmt.Errorf("-start %q: want RFC 3339, like 2025-03-03T00:00:00Z", f.start))
		}
	}
	return errors.Join(errs...)
}

// window works out the simulated start. Unless -start is given, it is chosen so that
// simulated time never passes the wall clock: the history ends now, and a sped-up run
// starts that much further back that it catches up with now exactly as it ends.
func (f *simulateFlags) window(now time.Time) time.Time {
	if f.start != "" {
		t, _ := time.Parse(time.RFC3339, f.start)
		return t
	}
	back := f.since
	switch {
	case f.speed == 0:
		back += f.duration
	case f.speed > 1:
		back += time.Duration(float64(f.duration) * (1 - 1/f.speed))
	}
	return now.Add(-back)
}

func runSimulate(ctx context.Context, f *simulateFlags, log *slog.Logger) error {
	s, err := newSimulation(f, log)
	if err != nil {
		return err
	}
	defer s.close()
	return s.run(ctx, log)
}

// errSignatureRejected cancels a simulation at the receiver's first 401.
var errSignatureRejected = errors.New("signature rejected")

// simulation is a simulator ready to play, with its fake GitHub API, when asked for,
// already listening: the demo starts it before the reconciler that reads that API.
type simulation struct {
	f        *simulateFlags
	sim      *simulate.Simulator
	start    time.Time
	repos    int
	stopAPI  func()
	issues   *fakegithub.Issues // the fake API's issue tracker; nil without -api-addr
	rejected chan struct{}      // closed at the receiver's first 401
	once     sync.Once
	glRefuse refusal // the receiver's GitLab endpoint refused a hook (simulate_gitlab.go)
}

func newSimulation(f *simulateFlags, log *slog.Logger) (*simulation, error) {
	cfg, err := simulate.LoadConfig(f.world)
	if err != nil {
		return nil, err
	}
	if f.vanish != nil {
		cfg.VanishRate = *f.vanish
	}
	if f.queueCancel != nil {
		cfg.QueueCancelRate = *f.queueCancel
	}
	if err := f.gitlab.apply(&cfg); err != nil {
		return nil, err
	}
	start := f.window(time.Now().UTC().Truncate(time.Second))
	w, err := simulate.NewWorld(cfg, uint64(f.seed), start)
	if err != nil {
		return nil, err
	}
	s := &simulation{f: f, start: start, repos: len(w.Repos), stopAPI: func() {}, rejected: make(chan struct{}),
		glRefuse: refusal{c: make(chan struct{}), receiver: f.url}}
	target := simulate.HTTPTarget{URL: f.url, Secret: f.secret, Client: &http.Client{Timeout: 30 * time.Second}}
	if err := f.gitlab.prepare(w, &target); err != nil {
		return nil, err
	}
	hooks := fakegithub.NewHookLog(72*time.Hour, func(ctx context.Context, d fakegithub.HookDelivery) (int, error) {
		return s.watch(target.Resend(ctx, d.Headers, d.Body))
	})
	deliver := func(ctx context.Context, d simulate.Delivery) (int, error) {
		if d.Forge == simulate.ForgeGitLab {
			return s.glRefuse.watch(target.Deliver(ctx, d))
		}
		return s.watch(target.Deliver(ctx, d))
	}
	s.sim, err = simulate.New(w, simulate.Options{Noise: f.noise, Deliver: deliver, Concurrency: f.concurrency,
		Hooks: hooks, Secret: f.secret})
	if err != nil {
		return nil, err
	}
	if f.apiAddr != "" {
		s.issues = fakegithub.NewIssues("", s.sim.Now)
		s.stopAPI, err = serveFakeAPI(f.apiAddr, fakegithub.New(fakegithub.Config{Source: s.sim.Source(), Hooks: hooks,
			Token: f.apiToken, Now: s.sim.Now, Issues: s.issues}), log)
		if err != nil {
			return nil, err
		}
	}
	if s.stopAPI, err = f.gitlab.serve(s.sim, s.stopAPI, log); err != nil {
		return nil, err
	}
	return s, nil
}

// watch passes a delivery's answer on, and notes a 401: the receiver does not know this
// simulator's secret, so every later delivery would fail the same way.
func (s *simulation) watch(code int, err error) (int, error) {
	if code == http.StatusUnauthorized {
		s.once.Do(func() { close(s.rejected) })
	}
	return code, err
}

func (s *simulation) close() { s.stopAPI() }

// run plays the simulation and then, when it serves the fake API, keeps that up until ctx
// ends. It stops at the receiver's first 401.
func (s *simulation) run(ctx context.Context, log *slog.Logger) error {
	f := s.f
	playCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-s.rejected:
			cancel(errSignatureRejected)
		case <-s.glRefuse.c:
			cancel(s.glRefuse.err)
		case <-playCtx.Done():
		}
	}()
	log.Info("simulating", "start", s.start, "since", f.since, "duration", f.duration, "speed", f.speed,
		"repos", s.repos, "seed", f.seed, "receiver", f.url)
	err := play(playCtx, s.sim, f, s.start, func() {
		// Half the errors of the history get an issue, so that the demo's error tables show
		// both a linked issue and the link that opens a new one.
		if s.issues != nil {
			log.Info("filed issues for the history's errors", "issues", s.sim.FileErrorIssues(s.issues, 2))
		}
	})
	truth := s.sim.Truth()
	if errors.Is(context.Cause(playCtx), errSignatureRejected) {
		return fmt.Errorf("the receiver at %s answered 401 Unauthorized: it rejects this simulator's signature, "+
			"so -webhook-secret (CIRADAR_WEBHOOK_SECRET) is not one the receiver was given; stopped after %d deliveries",
			f.url, truth.Deliveries.Sent)
	}
	select {
	case <-s.glRefuse.c:
		return fmt.Errorf("%w; stopped after %d deliveries", s.glRefuse.err, truth.Deliveries.Sent)
	default:
	}
	log.Info("simulation ended", "simulated_until", truth.End, "events", truth.Deliveries.Events,
		"sent", truth.Deliveries.Sent, "failed", truth.Deliveries.Failed, "dropped", truth.Deliveries.Dropped)
	if werr := writeTruth(f.truth, truth); werr != nil {
		return errors.Join(err, werr)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if (f.apiAddr != "" || f.gitlab.apiAddr != "") && ctx.Err() == nil {
		log.Info("the fake APIs stay up until interrupted", "github", f.apiAddr, "gitlab", f.gitlab.apiAddr)
		<-ctx.Done()
	}
	return nil
}

func serveFakeAPI(addr string, h http.Handler, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("fake GitHub API: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	log.Info("fake GitHub API listening", "addr", ln.Addr().String())
	return func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(c)
	}, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	"github.com/ciradar/ciradar/pkg/webhook"
)

// limitFlags hold what keeps an internet-facing receiver's resources bounded by its
// configuration rather than by its senders (docs/receiver.md, "Under abuse").
type limitFlags struct {
	budgetMiB, reserveMiB, memoryMiB int
	maxConns                         int
	bodyWait, bodyTimeout            time.Duration
	allowCIDRs, trustedProxies       string
	allowGitHub                      bool

	allow, trusted []netip.Prefix
}

// defaultLimits are the limits with every flag at its default, for commands that run the
// receiver without its flags (demo).
func defaultLimits() *limitFlags {
	return &limitFlags{budgetMiB: webhook.DefaultBudgetBytes >> 20, reserveMiB: webhook.DefaultReserveBytes >> 20,
		memoryMiB: 192, maxConns: 1024, bodyWait: 2 * time.Second, bodyTimeout: 20 * time.Second}
}

func addLimitFlags(cfg *config) *limitFlags {
	f, d := &limitFlags{}, defaultLimits()
	cfg.Int(&f.budgetMiB, "body-budget-mib", "CIRADAR_BODY_BUDGET_MIB", d.budgetMiB,
		"MiB of request bodies read at once, at most; a body over budget waits -body-wait, then gets 503")
	cfg.Int(&f.reserveMiB, "body-reserve-mib", "CIRADAR_BODY_RESERVE_MIB", d.reserveMiB,
		"MiB of the body budget kept for bodies of 1 MiB or less (every real delivery), so large bodies never starve them")
	cfg.Duration(&f.bodyWait, "body-wait", "CIRADAR_BODY_WAIT", d.bodyWait,
		"longest a request waits for body budget before the answer is 503 with Retry-After")
	cfg.Duration(&f.bodyTimeout, "body-timeout", "CIRADAR_BODY_TIMEOUT", d.bodyTimeout,
		"longest a body may take to arrive once admitted; slower senders get 408")
	cfg.Int(&f.maxConns, "max-connections", "CIRADAR_MAX_CONNECTIONS", d.maxConns,
		"open client connections at most; more wait in the kernel's accept queue")
	cfg.Int(&f.memoryMiB, "memory-limit-mib", "CIRADAR_MEMORY_LIMIT_MIB", d.memoryMiB,
		"soft limit of the Go heap in MiB (GOMEMLIMIT, which wins when set); 0 turns it off")
	cfg.String(&f.allowCIDRs, "allow-cidrs", "CIRADAR_ALLOW_CIDRS", "",
		"comma-separated CIDRs allowed to POST webhooks; empty with -allow-github-hooks off allows every address")
	cfg.Bool(&f.allowGitHub, "allow-github-hooks", "CIRADAR_ALLOW_GITHUB_HOOKS", false,
		"allow GitHub's published webhook ranges (its /meta API, refreshed by the reconciler into the store)")
	cfg.String(&f.trustedProxies, "trusted-proxies", "CIRADAR_TRUSTED_PROXIES", "",
		"comma-separated CIDRs of proxies whose X-Forwarded-For is believed when checking the allowlist")
	cfg.Check(f.check)
	return f
}

func (f *limitFlags) check() error {
	var errs []error
	if f.budgetMiB <= 0 || f.reserveMiB < 0 {
		errs = append(errs, errors.New("-body-budget-mib must be positive and -body-reserve-mib not negative"))
	} else if int64(f.budgetMiB-f.reserveMiB)<<20 < webhook.MaxBody {
		errs = append(errs, fmt.Errorf("-body-budget-mib %d less -body-reserve-mib %d must hold one %d MiB body", f.budgetMiB, f.reserveMiB, webhook.MaxBody>>20))
	}
	if f.bodyWait <= 0 || f.bodyTimeout <= 0 {
		errs = append(errs, errors.New("-body-wait and -body-timeout must be positive"))
	}
	if f.maxConns < 1 {
		errs = append(errs, errors.New("-max-connections must be positive"))
	}
	if f.memoryMiB < 0 {
		errs = append(errs, errors.New("-memory-limit-mib cannot be negative"))
	}
	var err error
	if f.allow, err = webhook.ParsePrefixes(f.allowCIDRs); err != nil {
		errs = append(errs, fmt.Errorf("-allow-cidrs: %w", err))
	}
	if f.trusted, err = webhook.ParsePrefixes(f.trustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("-trusted-proxies: %w", err))
	}
	return errors.Join(errs...)
}

func (f *limitFlags) budget() (*webhook.Budget, error) {
	return webhook.NewBudget(int64(f.budgetMiB)<<20, int64(f.reserveMiB)<<20, webhook.DefaultSmallBody, webhook.MaxBody)
}

// sources is the allowlist, or nil when none is configured.
func (f *limitFlags) sources() *webhook.Sources {
	if len(f.allow) == 0 && !f.allowGitHub {
		return nil
	}
	return webhook.NewSources(f.allow, f.trusted, f.allowGitHub)
}

// setMemoryLimit sets the Go heap's soft limit unless GOMEMLIMIT is set. With it the
// collector works harder as the heap nears the limit instead of letting GOGC=400 grow it
// to five times the live bytes, so a burst of large bodies cannot balloon the process.
func (f *limitFlags) setMemoryLimit(log *slog.Logger) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set || f.memoryMiB == 0 {
		return
	}
	debug.SetMemoryLimit(int64(f.memoryMiB) << 20)
	log.Debug("heap soft limit set", "mib", f.memoryMiB)
}

// returnMemory gives memory back to the OS once a burst of bodies is over. The runtime's
// background scavenger would too, but slowly (it paces itself to about 1% of a CPU); after
// the budget has held more than a few MiB and is nearly empty again, one forced collection
// and release costs a few milliseconds and brings the process back to its resting size.
func returnMemory(ctx context.Context, b *webhook.Budget, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	burst := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if b.TakePeak() > 8<<20 {
			burst = true
		}
		if burst && b.Used() < 1<<20 {
			debug.FreeOSMemory()
			burst = false
		}
	}
}

// limitListener holds at most n connections open; Accept waits for a slot.
type limitListener struct {
	net.Listener
	slots chan struct{}
}

func newLimitListener(l net.Listener, n int) net.Listener {
	return &limitListener{Listener: l, slots: make(chan struct{}, n)}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.slots <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
}

type limitConn struct {
	net.Conn
	release func()
	once    sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// loadSourceRanges keeps the allowlist's GitHub ranges in step with the store, where the
// reconciler leader writes them. Until the first load the allowlist holds only -allow-cidrs:
// it fails closed, and refused deliveries are redelivered by the reconciler later.
func loadSourceRanges(ctx context.Context, s sourceRangeReader, src *webhook.Sources, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	warned := false
	for {
		ranges, err := s.SourceRanges(ctx, store.GitHubHooks)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("could not load GitHub's hook ranges; keeping the last list", "error", err)
		case err == nil && len(ranges) == 0 && !warned:
			log.Warn("no GitHub hook ranges in the store yet: the reconciler fetches them from /meta; until then only -allow-cidrs may deliver")
			warned = true
		case err == nil && len(ranges) > 0:
			src.SetDynamic(ranges)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type sourceRangeReader interface {
	SourceRanges(ctx context.Context, source string) ([]netip.Prefix, error)
}

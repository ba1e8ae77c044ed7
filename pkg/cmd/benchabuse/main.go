// Command benchabuse measures the receiver under a hostile load, on one machine: a durable
// throwaway Postgres, the real `ciradar serve` binary with its default limits, and, from
// this process, signed deliveries at a steady rate while strangers attack with large
// unsigned bodies and with bodies that never finish arriving. It reports the receiver's
// peak RSS, what happened to every signed delivery (all checked in the store afterwards),
// their latency, and how fast memory returns once the attack stops. Used for BENCHMARKS.md:
//
//	go run ./pkg/cmd/benchabuse
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/cmd/internal/benchproc"
	"github.com/ciradar/ciradar/pkg/pgtest"
)

type options struct {
	rate          int           // signed deliveries per second
	large, slow   int           // attackers: large unsigned bodies, slow bodies
	largeBytes    int64         // size of each large body
	before, after time.Duration // signed load alone, before and after the attack
	attack        time.Duration
	serveArgs     []string
}

func main() {
	var o options
	flag.IntVar(&o.rate, "rate", 500, "signed deliveries per second, throughout")
	flag.IntVar(&o.large, "large", 200, "concurrent unsigned large POSTs during the attack")
	flag.IntVar(&o.slow, "slow", 100, "connections that declare a large body and send 1 byte")
	flag.Int64Var(&o.largeBytes, "large-bytes", 25<<20, "bytes of each large body")
	flag.DurationVar(&o.before, "before", 5*time.Second, "signed load alone before the attack")
	flag.DurationVar(&o.attack, "attack", 30*time.Second, "length of the attack")
	flag.DurationVar(&o.after, "after", 30*time.Second, "signed load alone after the attack, while memory returns")
	flag.Func("serve-arg", "an extra argument for ciradar serve (repeatable)", func(v string) error {
		o.serveArgs = append(o.serveArgs, v)
		return nil
	})
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "benchabuse:", err)
		os.Exit(1)
	}
}

const secret = "abuse-benchmark-secret"

func run(o options) error {
	dir, err := os.MkdirTemp("", "benchabuse-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := benchproc.BuildCiradar(dir)
	if err != nil {
		return err
	}
	cluster, err := pgtest.StartCluster("fsync=on", "synchronous_commit=on", "full_page_writes=on")
	if err != nil {
		return err
	}
	defer cluster.Remove()
	db := cluster.URL("postgres")
	addr, err := benchproc.FreeAddr()
	if err != nil {
		return err
	}
	serve := exec.Command(bin, append([]string{"serve", "-listen", addr, "-log-level", "warn", "-log-format", "json"}, o.serveArgs...)...)
	serve.Env = append(os.Environ(), "CIRADAR_DATABASE_URL="+db, "CIRADAR_WEBHOOK_SECRET="+secret)
	var logs strings.Builder
	serve.Stderr = &lockedWriter{w: &logs}
	if err := serve.Start(); err != nil {
		return err
	}
	defer serve.Process.Kill()
	if err := benchproc.WaitReady(addr, 60*time.Second); err != nil {
		return err
	}
	url := "http://" + addr + "/webhook"
	pid := serve.Process.Pid
	fmt.Printf("receiver: pid %d, defaults %s; host: %s\n", pid, strings.Join(o.serveArgs, " "), cpuModel())

	rss := newRSSWatch(pid)
	defer rss.stop()
	ctx := context.Background()
	total := o.before + o.attack + o.after
	signed := startSigned(ctx, url, o.rate, total)

	time.Sleep(o.before)
	restBefore := rss.now()
	rss.peakSince()
	attackStart := time.Now()
	attackCtx, stopAttack := context.WithTimeout(ctx, o.attack)
	attackers := startAttack(attackCtx, addr, url, o)
	<-attackCtx.Done()
	stopAttack()
	attackStats := attackers.wait()
	peak := rss.peakSince()
	ended := time.Now()
	backUnder := time.Duration(-1)
	for time.Since(ended) < o.after {
		if rss.now() < 100<<20 && backUnder < 0 {
			backUnder = time.Since(ended)
		}
		time.Sleep(100 * time.Millisecond)
	}
	after := rss.now()
	res := signed.wait(attackStart, ended)
	stored, err := countStored(db, res.ackedIDs)
	if err != nil {
		return err
	}

	fmt.Printf("attack: %d large unsigned %d MB POSTs and %d slow-body connections for %s\n", o.large, o.largeBytes>>20, o.slow, o.attack)
	fmt.Printf("  large answers: %s\n", attackStats.large)
	fmt.Printf("  slow answers:  %s (0: connection closed without an answer)\n", attackStats.slow)
	fmt.Printf("receiver RSS: %.1f MB at rest before, peak %.1f MB during, %.1f MB %s after\n",
		mb(restBefore), mb(peak), mb(after), o.after)
	if backUnder >= 0 {
		fmt.Printf("  back under 100 MB %.1f s after the attack\n", backUnder.Seconds())
	} else {
		fmt.Printf("  NOT back under 100 MB within %s\n", o.after)
	}
	fmt.Printf("signed: %d sent at %d/s, %d acknowledged, %d refused (%s), %d without answer; %d of %d acknowledged found stored\n",
		res.sent, o.rate, len(res.ackedIDs), res.refused, tally(res.codes), res.failed, stored, len(res.ackedIDs))
	fmt.Printf("signed latency: p50 %s p99 %s max %s (during the attack: p99 %s)\n",
		res.p(0.50), res.p(0.99), res.max(), res.attackP99)
	verdict := peak < 300<<20 && res.refused == 0 && res.failed == 0 && stored == len(res.ackedIDs) &&
		res.p(0.99) < time.Second && backUnder >= 0 && backUnder <= 30*time.Second
	fmt.Printf("targets (peak < 300 MB, 0 signed lost or refused, p99 < 1 s, < 100 MB within 30 s): %v\n", map[bool]string{true: "met", false: "NOT met"}[verdict])
	if n := strings.Count(logs.String(), "\n"); n > 0 {
		fmt.Printf("receiver wrote %d log lines at warn level during the run\n", n)
	}
	return nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "model name") {
			if _, v, ok := strings.Cut(line, ":"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown"
}

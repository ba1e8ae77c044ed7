// Command benchingest measures durable ingest end to end on one machine: it starts a
// throwaway Postgres with production durability (fsync and synchronous_commit on), the real
// `ciradar serve` binary, and `ciradar loadgen` as a separate process, then reports the
// load tool's figures and the receiver's peak RSS. Used for BENCHMARKS.md:
//
//	go run ./pkg/cmd/benchingest -concurrency 64 -duration 30s
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/cmd/internal/benchproc"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/jackc/pgx/v5"
)

func main() {
	concurrency := flag.Int("concurrency", 64, "load tool connections")
	duration := flag.Duration("duration", 30*time.Second, "load duration")
	jobs := flag.Int("jobs", 120000, "jobs prepared by the load tool")
	writers := flag.Int("writers", 4, "receiver group-commit writers")
	maxBatch := flag.Int("max-batch", 256, "receiver batch cap")
	warmup := flag.Duration("warmup", 30*time.Second,
		"load sent first, unmeasured, then a checkpoint: a new cluster creates and zero-fills every WAL segment, a running one recycles them (0: measure the new cluster)")
	profile := flag.String("cpuprofile", "", "when set, write a CPU profile of the receiver during the load to this file")
	var pgSettings []string
	flag.Func("pg", "an extra Postgres setting, name=value, applied after the durable defaults (repeatable)", func(v string) error {
		pgSettings = append(pgSettings, v)
		return nil
	})
	flag.Parse()
	if err := run(*concurrency, *duration, *warmup, *jobs, *writers, *maxBatch, *profile, pgSettings); err != nil {
		fmt.Fprintln(os.Stderr, "benchingest:", err)
		os.Exit(1)
	}
}

func run(concurrency int, duration, warmup time.Duration, jobs, writers, maxBatch int, profile string, pgSettings []string) error {
	dir, err := os.MkdirTemp("", "benchingest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := benchproc.BuildCiradar(dir)
	if err != nil {
		return err
	}
	// Durable settings: later lines override pgtest's test-speed defaults.
	cluster, err := pgtest.StartCluster(append([]string{"fsync=on", "synchronous_commit=on", "full_page_writes=on",
		"shared_buffers=512MB", "max_wal_size=4GB", "wal_compression=lz4",
		"shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all"}, pgSettings...)...)
	if err != nil {
		return err
	}
	defer cluster.Remove()
	db := cluster.URL("postgres")
	const secret = "benchmark-secret"
	addr, err := benchproc.FreeAddr()
	if err != nil {
		return err
	}

	args := []string{"serve", "-listen", addr, "-writers", fmt.Sprint(writers), "-max-batch", fmt.Sprint(maxBatch), "-log-level", "warn"}
	debugAddr := ""
	if profile != "" {
		if debugAddr, err = benchproc.FreeAddr(); err != nil {
			return err
		}
		args = append(args, "-debug-listen", debugAddr)
	}
	serve := exec.Command(bin, args...)
	serve.Env = append(os.Environ(), "CIRADAR_DATABASE_URL="+db, "CIRADAR_WEBHOOK_SECRET="+secret)
	serve.Stderr = os.Stderr
	if err := serve.Start(); err != nil {
		return err
	}
	defer serve.Process.Kill()
	if err := benchproc.WaitReady(addr, 30*time.Second); err != nil {
		return err
	}
	loadgen := func(prefix string, firstJob int, d time.Duration) *exec.Cmd {
		cmd := exec.Command(bin, "loadgen", "-url", "http://"+addr+"/webhook", "-concurrency", fmt.Sprint(concurrency),
			"-duration", d.String(), "-jobs", fmt.Sprint(jobs), "-prefix", prefix, "-first-job", fmt.Sprint(firstJob))
		cmd.Env = append(os.Environ(), "CIRADAR_WEBHOOK_SECRET="+secret, "CIRADAR_DATABASE_URL="+db)
		return cmd
	}
	if warmup > 0 {
		if err := warmUp(loadgen("warmup", jobs, warmup), db); err != nil {
			return err
		}
	}
	load := loadgen("measured", 0, duration)
	window := newSendWindow(os.Stderr, serve.Process.Pid, cluster.Pid(), duration)
	load.Stdout, load.Stderr = os.Stdout, window
	stop := make(chan struct{})
	peak := make(chan int64, 1)
	go samplePeakRSS(serve.Process.Pid, stop, peak)
	recv0, pg0 := treeCPU(serve.Process.Pid), treeCPU(cluster.Pid())
	profiled := make(chan error, 1)
	if profile != "" {
		go func() { profiled <- fetchProfile(serve.Process.Pid, debugAddr, profile, duration) }()
	}
	loadErr := load.Run()
	recv1, pg1 := treeCPU(serve.Process.Pid), treeCPU(cluster.Pid())
	close(stop)
	fmt.Printf("receiver peak RSS %.1f MB (VmHWM)\n", float64(<-peak)/1024)
	// CPU seconds spent are steadier than wall time on a shared machine: compare variants
	// by these, measured in the same run.
	fmt.Printf("cpu during load: receiver %.1fs, postgres %.1fs\n", (recv1 - recv0).Seconds(), (pg1 - pg0).Seconds())
	if r, p, ok := window.result(); ok {
		fmt.Printf("cpu while sending (without the check afterwards): receiver %.1fs, postgres %.1fs\n", r.Seconds(), p.Seconds())
	}
	if profile != "" {
		if err := <-profiled; err != nil {
			fmt.Fprintln(os.Stderr, "cpu profile:", err)
		} else {
			fmt.Printf("receiver cpu profile: %s\n", profile)
		}
	}
	if err := printTopStatements(db); err != nil {
		fmt.Fprintln(os.Stderr, "pg_stat_statements:", err)
	}
	fmt.Printf("settings: writers=%d max-batch=%d; postgres fsync=on synchronous_commit=on\n", writers, maxBatch)
	return loadErr
}

// warmUp sends an unmeasured load and then checkpoints, so the measured run meets the store
// as a running server has it: the tables hold rows, and the WAL segments the warm-up wrote
// are recycled for the measured run. A new cluster has none to recycle; it zero-fills and
// syncs a new 16 MB segment every half second at this rate, and every request in flight
// waits for it (p99 about 60 ms where it is 17 ms otherwise, BENCHMARKS.md).
func warmUp(load *exec.Cmd, db string) error {
	var out bytes.Buffer
	load.Stdout, load.Stderr = &out, &out
	if err := load.Run(); err != nil {
		return fmt.Errorf("warm-up: %v\n%s", err, out.Bytes())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "throughput") {
			fmt.Println("warm-up on the new cluster:", line)
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	defer conn.Close(ctx)
	for _, sql := range []string{"CHECKPOINT", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", "SELECT pg_stat_statements_reset()"} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("warm-up: %s: %w", sql, err)
		}
	}
	return nil
}

// samplePeakRSS reads the kernel's high-water mark of the receiver's resident set (kB).
func samplePeakRSS(pid int, stop <-chan struct{}, out chan<- int64) {
	var peak int64
	read := func() {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "VmHWM:") {
				var kb int64
				fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")), "%d", &kb)
				peak = max(peak, kb)
			}
		}
	}
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			read()
			out <- peak
			return
		case <-t.C:
			read()
		}
	}
}

package loadgen

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one load run.
type Config struct {
	URL         string        // the receiver's /webhook
	Concurrency int           // connections sending at once
	Duration    time.Duration // no request starts after this long (see drainGrace)
	Jobs        [][]Delivery  // prepared deliveries, one slice per job, sent in order
	// OnAnswer, when set, is told every answer (code 0 means the request failed).
	OnAnswer func(d Delivery, code int)
}

// Result summarises a run.
type Result struct {
	Sent     int
	OK       int // 2xx answers
	Codes    map[int]int
	Errors   int // requests that got no answer
	Elapsed  time.Duration
	P50, P99 time.Duration
	Max      time.Duration
	Bytes    int64
	Drained  bool // the prepared jobs ran out before Duration
}

// Rate is 2xx deliveries per second.
func (r Result) Rate() float64 { return float64(r.OK) / r.Elapsed.Seconds() }

// drainGrace is how long requests in flight at the end of a run may take to be answered.
const drainGrace = 5 * time.Second

// Run sends the prepared jobs with Concurrency workers. Each worker takes whole jobs, so a
// job's deliveries arrive in causal order while jobs interleave.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Concurrency < 1 {
		return Result{}, fmt.Errorf("concurrency must be positive")
	}
	if _, err := newClient(cfg.URL); err != nil {
		return Result{}, err
	}
	// At Duration no new request starts; requests in flight get drainGrace to be answered,
	// so that the receiver never sees one abandoned half-way (and logs it as not stored).
	hard, cancelHard := context.WithTimeout(ctx, cfg.Duration+drainGrace)
	defer cancelHard()
	ctx, cancel := context.WithTimeout(hard, cfg.Duration)
	defer cancel()

	var next atomic.Int64
	var mu sync.Mutex
	res := Result{Codes: map[int]int{}}
	var latencies []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _ := newClient(cfg.URL)
			defer c.close()
			// A request still unanswered after the grace must not hang the worker.
			stop := context.AfterFunc(hard, c.interrupt)
			defer stop()
			local := make([]time.Duration, 0, 4096)
			codes := map[int]int{}
			var sent, errs int
			var bytesSent int64
			for ctx.Err() == nil {
				n := next.Add(1) - 1
				if n >= int64(len(cfg.Jobs)) {
					break
				}
				for _, d := range cfg.Jobs[n] {
					if ctx.Err() != nil {
						break
					}
					t0 := time.Now()
					code, _ := c.do(d, 30*time.Second)
					if hard.Err() != nil && code == 0 {
						break // cut off after the grace, not an answer
					}
					local = append(local, time.Since(t0))
					sent++
					bytesSent += int64(len(d.Body))
					if code == 0 {
						errs++
					} else {
						codes[code]++
					}
					if cfg.OnAnswer != nil {
						cfg.OnAnswer(d, code)
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, local...)
			res.Sent += sent
			res.Errors += errs
			res.Bytes += bytesSent
			for c, k := range codes {
				res.Codes[c] += k
				if c >= 200 && c < 300 {
					res.OK += k
				}
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Drained = next.Load() >= int64(len(cfg.Jobs))
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		res.P50, res.P99, res.Max = latencies[n/2], latencies[min(n-1, n*99/100)], latencies[n-1]
	}
	return res, nil
}

package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one load run.
type Config struct {
	URL         string        // the receiver's /webhook
	Concurrency int           // connections sending at once
	Duration    time.Duration // stop sending after this long
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

// Run sends the prepared jobs with Concurrency workers. Each worker takes whole jobs, so a
// job's deliveries arrive in causal order while jobs interleave.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Concurrency < 1 {
		return Result{}, fmt.Errorf("concurrency must be positive")
	}
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: cfg.Concurrency, MaxIdleConnsPerHost: cfg.Concurrency,
			MaxConnsPerHost: cfg.Concurrency, IdleConnTimeout: time.Minute},
	}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
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
					code := send(ctx, client, cfg.URL, d)
					if ctx.Err() != nil && code == 0 {
						break // cut off by the end of the run, not an answer
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

func send(ctx context.Context, c *http.Client, url string, d Delivery) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(d.Body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/ciradar-loadgen")
	req.Header.Set("X-GitHub-Event", d.Event)
	req.Header.Set("X-GitHub-Delivery", d.ID)
	req.Header.Set("X-GitHub-Hook-ID", "1")
	req.Header.Set("X-GitHub-Hook-Installation-Target-Type", "organization")
	req.Header.Set("X-GitHub-Hook-Installation-Target-ID", "1")
	req.Header.Set("X-Hub-Signature-256", d.Signature)
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

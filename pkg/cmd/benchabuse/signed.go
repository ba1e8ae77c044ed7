package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/jackc/pgx/v5"
)

// signedLoad sends real, signed workflow_job deliveries at a fixed rate, each on its own
// schedule (open loop): a slow receiver makes requests pile up rather than slowing the rate.
type signedLoad struct {
	wg sync.WaitGroup
	mu sync.Mutex
	r  signedResult
}

type sample struct {
	at      time.Time
	latency time.Duration
}

type signedResult struct {
	sent, refused, failed int
	codes                 map[int]int
	ackedIDs              []string
	samples               []sample
	attackP99             time.Duration
}

func startSigned(ctx context.Context, url string, rate int, d time.Duration) *signedLoad {
	s := &signedLoad{r: signedResult{codes: map[int]int{}}}
	gen, err := loadgen.NewGenerator(secret, fmt.Sprintf("abuse-%d", time.Now().Unix()), time.Now().Add(-time.Hour))
	if err != nil {
		panic(err) // the generator's templates are embedded; failing here is a build error
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		interval := time.Second / time.Duration(rate)
		end := time.Now().Add(d)
		next := time.Now()
		for n := int64(0); time.Now().Before(end); n++ {
			for _, dl := range gen.Job(n) {
				time.Sleep(time.Until(next))
				next = next.Add(interval)
				s.wg.Add(1)
				go s.send(ctx, client, url, dl)
			}
		}
	}()
	return s
}

func (s *signedLoad) send(ctx context.Context, client *http.Client, url string, d loadgen.Delivery) {
	defer s.wg.Done()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(d.Body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", d.Event)
	req.Header.Set("X-GitHub-Delivery", d.ID)
	req.Header.Set("X-Hub-Signature-256", d.Signature)
	start := time.Now()
	resp, err := client.Do(req)
	lat := time.Since(start)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.r.sent++
	if err != nil {
		s.r.failed++
		return
	}
	resp.Body.Close()
	s.r.codes[resp.StatusCode]++
	if resp.StatusCode/100 != 2 {
		s.r.refused++
		return
	}
	s.r.ackedIDs = append(s.r.ackedIDs, d.ID)
	s.r.samples = append(s.r.samples, sample{at: start, latency: lat})
}

// wait returns once every request has its answer; from and to bound the attack.
func (s *signedLoad) wait(from, to time.Time) signedResult {
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	sort.Slice(s.r.samples, func(i, j int) bool { return s.r.samples[i].latency < s.r.samples[j].latency })
	var during []time.Duration
	for _, x := range s.r.samples {
		if !x.at.Before(from) && x.at.Before(to) {
			during = append(during, x.latency)
		}
	}
	s.r.attackP99 = percentile(during, 0.99)
	return s.r
}

func (r signedResult) p(q float64) time.Duration {
	l := make([]time.Duration, len(r.samples))
	for i, x := range r.samples {
		l[i] = x.latency
	}
	return percentile(l, q)
}

func (r signedResult) max() time.Duration { return r.p(1) }

// percentile of sorted latencies.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	if !slices.IsSorted(sorted) {
		slices.Sort(sorted)
	}
	i := min(int(q*float64(len(sorted))), len(sorted)-1)
	return sorted[i].Round(100 * time.Microsecond)
}

// countStored checks the acknowledged deliveries against the store.
func countStored(db string, ids []string) (int, error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM deliveries WHERE delivery_id = ANY($1)", ids).Scan(&n)
	return n, err
}

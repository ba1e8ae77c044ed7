package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
)

// attack runs the strangers: large unsigned bodies sent as fast as the receiver takes
// them, and connections that declare a large body and send one byte of it.
type attack struct {
	wg          sync.WaitGroup
	mu          sync.Mutex
	large, slow tally
}

// tally counts answers by status (0: no answer, connection closed or failed).
type tally map[int]int

func (t tally) String() string {
	codes := make([]int, 0, len(t))
	for c := range t {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", t[c], c))
	}
	return strings.Join(parts, " ")
}

func startAttack(ctx context.Context, addr, url string, o options) *attack {
	a := &attack{large: tally{}, slow: tally{}}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, MaxConnsPerHost: 0}}
	for range o.large {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			for ctx.Err() == nil {
				a.count(&a.large, postLarge(ctx, client, url, o.largeBytes))
			}
		}()
	}
	for range o.slow {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			for ctx.Err() == nil {
				a.count(&a.slow, slowBody(ctx, addr, o.largeBytes))
			}
		}()
	}
	return a
}

func (a *attack) count(t *tally, code int) {
	a.mu.Lock()
	(*t)[code]++
	a.mu.Unlock()
}

func (a *attack) wait() *attack {
	a.wg.Wait()
	return a
}

// zeros is an endless body of zero bytes, so that 200 attackers cost the sender no memory.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func postLarge(ctx context.Context, client *http.Client, url string, n int64) int {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, io.LimitReader(zeros{}, n))
	req.ContentLength = n
	req.Header.Set("X-GitHub-Event", "workflow_job")
	req.Header.Set("X-GitHub-Delivery", "stranger")
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// slowBody declares n bytes, sends one, and waits for whatever the receiver does.
func slowBody(ctx context.Context, addr string, n int64) int {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	fmt.Fprintf(conn, "POST /webhook HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nX-GitHub-Event: workflow_job\r\n\r\n{", addr, n)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

package loadgen

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

func TestReadResponse(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		want    int
		wantErr bool
	}{
		{"ok with body", "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nstored\nHTTP/1.1 503 X\r\n", 200, false},
		{"no body", "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", 202, false},
		{"lower-case header", "HTTP/1.1 401 Unauthorized\r\ncontent-length: 3\r\n\r\nno\n", 401, false},
		{"garbage", "SSH-2.0-OpenSSH\r\n", 0, true},
		{"cut short", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := readResponse(bufio.NewReader(strings.NewReader(c.in)))
			if (err != nil) != c.wantErr || got != c.want {
				t.Fatalf("got %d, %v; want %d, error %v", got, err, c.want, c.wantErr)
			}
		})
	}
}

// The hand-written client's requests are what a real HTTP server and GitHub's signature
// check accept, and every answer is counted.
func TestRunAgainstHTTPServer(t *testing.T) {
	const secret = "loadgen-test"
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if github.ValidateSignature(r.Header.Get("X-Hub-Signature-256"), body, []byte(secret)) != nil ||
			r.Header.Get("X-GitHub-Event") != "workflow_job" || r.Header.Get("X-GitHub-Delivery") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if seen.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "stored\n")
	}))
	defer srv.Close()
	gen, err := NewGenerator(secret, "t", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	jobs := make([][]Delivery, 100)
	for i := range jobs {
		jobs[i] = gen.Job(int64(i))
	}
	res, err := Run(context.Background(), Config{URL: srv.URL + "/webhook", Concurrency: 8, Duration: time.Minute, Jobs: jobs})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 300 || res.Errors != 0 || res.Codes[200] != 270 || res.Codes[503] != 30 || res.OK != 270 || !res.Drained {
		t.Fatalf("result %+v", res)
	}
}

// TestRunLetsRequestsInFlightFinish ends a run while every connection waits for a slow
// answer: the requests in flight are answered and counted, none is abandoned, and no new
// one starts after the end.
func TestRunLetsRequestsInFlightFinish(t *testing.T) {
	var handled atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(300 * time.Millisecond)
		handled.Add(1)
		io.WriteString(w, "stored\n")
	}))
	defer srv.Close()
	gen, err := NewGenerator("s", "t", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	jobs := make([][]Delivery, 50)
	for i := range jobs {
		jobs[i] = gen.Job(int64(i))
	}
	const conns = 4
	res, err := Run(context.Background(), Config{URL: srv.URL + "/webhook", Concurrency: conns, Duration: 100 * time.Millisecond, Jobs: jobs})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != conns || res.Sent != conns || res.Errors != 0 || int(handled.Load()) != conns {
		t.Fatalf("result %+v, server answered %d: want each of the %d requests in flight answered and counted", res, handled.Load(), conns)
	}
}

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/loadgen"
	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/jackc/pgx/v5"
)

// rawRequest is an HTTP request written byte for byte, so that a test can send what no
// well-behaved client would: invalid UTF-8 in headers, a body shorter than it declares.
type rawRequest struct {
	method   string
	headers  [][2]string
	body     []byte
	declared int64         // Content-Length sent; -1: the body's length
	hang     time.Duration // after the body, keep the connection open this long
}

// send writes the request and returns the status code (0 when no answer came).
func (q rawRequest) send(t *testing.T, addr string) (int, http.Header) {
	t.Helper()
	code, h, err := q.do(addr)
	if err != nil {
		t.Fatal(err)
	}
	return code, h
}

// do is send for any goroutine: it reports what a test would fail on as an error.
func (q rawRequest) do(addr string) (int, http.Header, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	method := q.method
	if method == "" {
		method = "POST"
	}
	n := q.declared
	if n < 0 {
		n = int64(len(q.body))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s /webhook HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nContent-Type: application/json\r\n", method, addr, n)
	for _, h := range q.headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		return 0, nil, err
	}
	go conn.Write(q.body) //nolint:errcheck // the server may answer before reading it all
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, nil, nil
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}

// signedRaw is a signed delivery with the usual headers; extra ones replace them by name.
func signedRaw(id, event string, body []byte, extra ...[2]string) rawRequest {
	h := map[string]string{
		"X-GitHub-Delivery": id, "X-GitHub-Event": event, "X-GitHub-Hook-ID": "42",
		"X-Hub-Signature-256": loadgen.Sign([]byte(testSecret), body),
	}
	for _, e := range extra {
		h[e[0]] = e[1]
	}
	q := rawRequest{body: body, declared: -1}
	for k, v := range h {
		q.headers = append(q.headers, [2]string{k, v})
	}
	return q
}

// Every hostile case, sent to the real `ciradar serve` binary: each gets its status, nothing
// is stored but what should be, a rejection is recorded for each signed delivery the store
// cannot take, and the process stays up throughout.
func TestAbuseAgainstTheBinary(t *testing.T) {
	db := pgtest.NewDatabase(t)
	r := startReceiver(t, freeAddr(t), "CIRADAR_DATABASE_URL="+db, "CIRADAR_WEBHOOK_SECRET="+testSecret,
		"CIRADAR_BODY_BUDGET_MIB=40", "CIRADAR_BODY_RESERVE_MIB=12", "CIRADAR_BODY_WAIT=300ms", "CIRADAR_BODY_TIMEOUT=1s")
	job := fixtures.Get("workflow_job.queued.1")
	labels := make([]string, 1_000_000)
	for i := range labels {
		labels[i] = fmt.Sprintf("l%d", i)
	}
	big := make([]byte, 25<<20)
	cases := []struct {
		name       string
		req        rawRequest
		wantCode   int
		wantStored int // deliveries stored by this case
		wantReject int // rejections recorded by this case
	}{
		{name: "wrong signature", req: signedRaw("a1", "workflow_job", job, [2]string{"X-Hub-Signature-256", loadgen.Sign([]byte("guess"), job)}), wantCode: 401},
		{name: "no signature, 25 MB", req: rawRequest{body: big, declared: -1, headers: [][2]string{{"X-GitHub-Event", "push"}, {"X-GitHub-Delivery", "a2"}}}, wantCode: 401},
		{name: "declared body over 25 MiB", req: rawRequest{declared: 26 << 20, headers: [][2]string{{"X-GitHub-Event", "push"}}}, wantCode: 413},
		{name: "GET", req: rawRequest{method: "GET", declared: 0}, wantCode: 405},
		{name: "invalid UTF-8 delivery id", req: signedRaw("b1\xff\xfe", "workflow_job", job), wantCode: 400, wantReject: 1},
		{name: "invalid UTF-8 event", req: signedRaw("b2", "workflow_job\xc3", job), wantCode: 400, wantReject: 1},
		{name: "invalid UTF-8 installation target type", req: signedRaw("b3", "workflow_job", job, [2]string{"X-GitHub-Hook-Installation-Target-Type", "organization\xe2\x82"}), wantCode: 400, wantReject: 1},
		{name: "negative hook id", req: signedRaw("b4", "workflow_job", job, [2]string{"X-GitHub-Hook-ID", "-1"}), wantCode: 400, wantReject: 1},
		{name: "run_attempt above int32", req: signedRaw("b5", "workflow_job", fixtures.Edited("workflow_job.queued.1", fixtures.SetJobField("run_attempt", int64(1)<<33))), wantCode: 400, wantReject: 1},
		{name: "negative job id", req: signedRaw("b6", "workflow_job", fixtures.Edited("workflow_job.queued.1", fixtures.SetJobField("id", -99))), wantCode: 400, wantReject: 1},
		{name: "malformed JSON", req: signedRaw("b7", "workflow_job", []byte(`{"workflow_job": {"id": 1`)), wantCode: 400, wantReject: 1},
		{name: "NUL in a header value", req: signedRaw("b8", "workflow_job", job, [2]string{"X-GitHub-Hook-Installation-Target-Type", "org\x00"}), wantCode: 400},
		{name: "100 KB header", req: signedRaw("b9", "workflow_job", job, [2]string{"X-Padding", strings.Repeat("p", 100<<10)}), wantCode: 431},
		{name: "a million labels: capped, stored", req: signedRaw("c1", "workflow_job", fixtures.Edited("workflow_job.queued.1", fixtures.SetJobField("labels", labels))), wantCode: 200, wantStored: 1},
		{name: "slow body gets 408", req: rawRequest{declared: 1000, body: []byte(`{"a":`), headers: [][2]string{{"X-GitHub-Event", "push"}}}, wantCode: 408},
	}
	stored, rejected := 0, 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _ := c.req.send(t, r.addr)
			if code != c.wantCode {
				t.Errorf("status %d, want %d\n%s", code, c.wantCode, tail(r.logs.String(), 2000))
			}
			stored += c.wantStored
			rejected += c.wantReject
			assertCounts(t, db, stored, rejected)
			if got := r.get("/healthz"); got != 200 {
				t.Fatalf("receiver not alive after this case: /healthz = %d\n%s", got, r.logs)
			}
		})
	}
	var labelCount int
	if err := queryRow(t, db, "SELECT cardinality(labels) FROM workflow_jobs", &labelCount); err != nil || labelCount != 100 {
		t.Errorf("labels stored %d (%v), want the cap of 100", labelCount, err)
	}
	assertNoSecrets(t, r.logs.String())
}

// With the budget's large share held by bodies that trickle in, another large body waits
// briefly and gets 503 with Retry-After, while a real delivery still gets through.
func TestBudgetUnderSlowLargeBodies(t *testing.T) {
	db := pgtest.NewDatabase(t)
	r := startReceiver(t, freeAddr(t), "CIRADAR_DATABASE_URL="+db, "CIRADAR_WEBHOOK_SECRET="+testSecret,
		"CIRADAR_BODY_BUDGET_MIB=40", "CIRADAR_BODY_RESERVE_MIB=12", "CIRADAR_BODY_WAIT=300ms", "CIRADAR_BODY_TIMEOUT=5s")
	slow := rawRequest{declared: 25 << 20, body: []byte("{"), headers: [][2]string{{"X-GitHub-Event", "push"}}}
	go slow.do(r.addr) //nolint:errcheck // holds 25 MiB of budget until its body times out
	time.Sleep(300 * time.Millisecond)
	code, h := rawRequest{declared: 20 << 20, body: []byte("{"), headers: [][2]string{{"X-GitHub-Event", "push"}}}.send(t, r.addr)
	if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
		t.Fatalf("a second large body: %d with Retry-After %q, want 503 with Retry-After", code, h.Get("Retry-After"))
	}
	if code, _ := signedRaw("ok1", "workflow_job", fixtures.Get("workflow_job.queued.1")).send(t, r.addr); code != 200 {
		t.Fatalf("a real delivery beside the slow large bodies: %d, want 200", code)
	}
	assertCounts(t, db, 1, 0)
}

// The allowlist: a direct peer outside it gets 403 before its body is read; behind a
// trusted proxy the forwarded client address decides.
func TestSourceAllowlist(t *testing.T) {
	db := pgtest.NewDatabase(t)
	r := startReceiver(t, freeAddr(t), "CIRADAR_DATABASE_URL="+db, "CIRADAR_WEBHOOK_SECRET="+testSecret,
		"CIRADAR_ALLOW_CIDRS=10.0.0.0/8", "CIRADAR_TRUSTED_PROXIES=127.0.0.1")
	job := fixtures.Get("workflow_job.queued.1")
	cases := []struct {
		name, xff string
		want      int
	}{
		{name: "loopback itself is a proxy, not a client: its own request is from outside the list", want: 403},
		{name: "client in the list, forwarded by the trusted proxy", xff: "10.2.3.4", want: 200},
		{name: "client outside the list", xff: "198.51.100.1", want: 403},
		{name: "spoofed entry left of the real client", xff: "10.2.3.4, 198.51.100.1", want: 403},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var extra [][2]string
			if c.xff != "" {
				extra = append(extra, [2]string{"X-Forwarded-For", c.xff})
			}
			if code, _ := signedRaw(fmt.Sprintf("s%d", i), "workflow_job", job, extra...).send(t, r.addr); code != c.want {
				t.Fatalf("status %d, want %d", code, c.want)
			}
		})
	}
	assertCounts(t, db, 1, 0)
}

func queryRow(t *testing.T, db, sql string, dest ...any) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.QueryRow(ctx, sql).Scan(dest...)
}

func assertCounts(t *testing.T, db string, deliveries, rejections int) {
	t.Helper()
	var d, rj int
	// Only what came over HTTP: the reconciler inside serve also writes deliveries of its
	// own (target type "api"), such as the closure of a fixture job long past GitHub's limits.
	if err := queryRow(t, db, "SELECT (SELECT count(*) FROM deliveries WHERE target_type <> 'api'), (SELECT count(*) FROM delivery_rejections)", &d, &rj); err != nil {
		t.Fatal(err)
	}
	if d != deliveries || rj != rejections {
		t.Fatalf("store holds %d deliveries and %d rejections, want %d and %d", d, rj, deliveries, rejections)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// With -metrics-listen, /metrics leaves the public port for the private address.
func TestMetricsOnAPrivateListener(t *testing.T) {
	private := freeAddr(t)
	r := startReceiver(t, freeAddr(t), "CIRADAR_DATABASE_URL="+pgtest.NewDatabase(t), "CIRADAR_WEBHOOK_SECRET="+testSecret,
		"CIRADAR_METRICS_LISTEN="+private)
	if code := r.get("/metrics"); code != http.StatusNotFound {
		t.Fatalf("/metrics on the public port: %d, want 404", code)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + private + "/metrics")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("/metrics on the private address: %d", resp.StatusCode)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics not served on %s: %v", private, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

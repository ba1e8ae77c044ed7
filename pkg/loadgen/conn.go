package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// client is one keep-alive HTTP/1.1 connection that writes pre-built requests and reads
// just enough of each answer to know its status. The load tool shares the machine with the
// receiver and Postgres, so its own CPU per request matters: net/http's client cost about
// 70 µs a request here, this about a fifth of that.
type client struct {
	addr, host, path string
	conn             net.Conn
	r                *bufio.Reader
	head             []byte

	mu      sync.Mutex // guards current, which interrupt may close from another goroutine
	current net.Conn
}

func newClient(rawURL string) (*client, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("load URL %q: want http://host:port/path", rawURL)
	}
	path := u.RequestURI()
	return &client{addr: u.Host, host: u.Host, path: path}, nil
}

func (c *client) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// interrupt aborts a request in flight, from any goroutine: the end of a run.
func (c *client) interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.current != nil {
		c.current.Close()
	}
}

// do sends one delivery and returns the status code, reconnecting once if the kept-alive
// connection turned out to be closed.
func (c *client) do(d Delivery, timeout time.Duration) (int, error) {
	code, err := c.try(d, timeout)
	if err != nil && c.conn == nil {
		code, err = c.try(d, timeout)
	}
	return code, err
}

func (c *client) try(d Delivery, timeout time.Duration) (int, error) {
	fresh := false
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, timeout)
		if err != nil {
			return 0, err
		}
		c.conn, c.r, fresh = conn, bufio.NewReaderSize(conn, 4096), true
		c.mu.Lock()
		c.current = conn
		c.mu.Unlock()
	}
	c.conn.SetDeadline(time.Now().Add(timeout))
	c.head = c.header(c.head[:0], d)
	bufs := net.Buffers{c.head, d.Body}
	if _, err := bufs.WriteTo(c.conn); err != nil {
		c.close()
		if fresh {
			return 0, err
		}
		return 0, errRetry
	}
	code, err := readResponse(c.r)
	if err != nil {
		c.close()
		if fresh {
			return 0, err
		}
		return 0, errRetry
	}
	return code, nil
}

var errRetry = errors.New("kept-alive connection closed")

func (c *client) header(b []byte, d Delivery) []byte {
	b = append(b, "POST "...)
	b = append(b, c.path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, c.host...)
	b = append(b, "\r\nUser-Agent: GitHub-Hookshot/ciradar-loadgen\r\nContent-Type: application/json\r\nX-GitHub-Event: "...)
	b = append(b, d.Event...)
	b = append(b, "\r\nX-GitHub-Delivery: "...)
	b = append(b, d.ID...)
	b = append(b, "\r\nX-GitHub-Hook-ID: 1\r\nX-GitHub-Hook-Installation-Target-Type: organization\r\nX-GitHub-Hook-Installation-Target-ID: 1\r\nX-Hub-Signature-256: "...)
	b = append(b, d.Signature...)
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(d.Body)), 10)
	return append(b, "\r\n\r\n"...)
}

// readResponse reads a status line, headers and a Content-Length body, and returns the code.
func readResponse(r *bufio.Reader) (int, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	length := 0
	for {
		h, err := r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(h) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(h, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	if _, err := r.Discard(length); err != nil {
		return 0, err
	}
	return code, nil
}

package githubapi

import (
	"bytes"
	"container/list"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// maxCachedBody bounds one cached answer; bigger ones are not cached.
const maxCachedBody = 4 << 20

// conditional is a RoundTripper that remembers each GET answer's ETag and Last-Modified
// and asks again with If-None-Match / If-Modified-Since. GitHub answers 304 when nothing
// changed, and a 304 costs no rate limit; the cached answer is then handed up as a 200, so
// callers (go-github) never see the difference. Entries are evicted least recently used.
type conditional struct {
	next    http.RoundTripper
	max     int
	onHit   func()
	mu      sync.Mutex
	entries map[string]*list.Element
	order   *list.List // front: most recently used
}

type cached struct {
	key           string
	etag, lastMod string
	header        http.Header
	body          []byte
}

func newConditional(next http.RoundTripper, maxEntries int, onHit func()) *conditional {
	if maxEntries <= 0 {
		maxEntries = 2000
	}
	return &conditional{next: next, max: maxEntries, onHit: onHit, entries: map[string]*list.Element{}, order: list.New()}
}

func (c *conditional) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet {
		return c.next.RoundTrip(req)
	}
	key := req.URL.String()
	entry := c.get(key)
	if entry != nil {
		req = req.Clone(req.Context())
		if entry.etag != "" {
			req.Header.Set("If-None-Match", entry.etag)
		}
		if entry.lastMod != "" {
			req.Header.Set("If-Modified-Since", entry.lastMod)
		}
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && entry != nil:
		resp.Body.Close()
		if c.onHit != nil {
			c.onHit()
		}
		return entry.response(req, resp), nil
	case resp.StatusCode == http.StatusOK && (resp.Header.Get("ETag") != "" || resp.Header.Get("Last-Modified") != ""):
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxCachedBody+1))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if len(body) <= maxCachedBody {
			c.put(&cached{key: key, etag: resp.Header.Get("ETag"), lastMod: resp.Header.Get("Last-Modified"),
				header: resp.Header.Clone(), body: body})
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	return resp, nil
}

// response rebuilds the cached 200, with the 304's fresh rate-limit headers.
func (e *cached) response(req *http.Request, notModified *http.Response) *http.Response {
	h := e.header.Clone()
	for k, v := range notModified.Header {
		if len(k) > 12 && k[:12] == "X-Ratelimit-" {
			h[k] = v
		}
	}
	h.Set("X-From-Cache", "1")
	h.Set("Content-Length", strconv.Itoa(len(e.body)))
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: notModified.Proto, ProtoMajor: notModified.ProtoMajor,
		ProtoMinor: notModified.ProtoMinor, Header: h, Body: io.NopCloser(bytes.NewReader(e.body)),
		ContentLength: int64(len(e.body)), Request: req,
	}
}

func (c *conditional) get(key string) *cached {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil
	}
	c.order.MoveToFront(el)
	return el.Value.(*cached)
}

func (c *conditional) put(e *cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[e.key]; ok {
		el.Value = e
		c.order.MoveToFront(el)
		return
	}
	c.entries[e.key] = c.order.PushFront(e)
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.entries, last.Value.(*cached).key)
	}
}

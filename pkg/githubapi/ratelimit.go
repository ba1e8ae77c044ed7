package githubapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"time"
)

// limiter is a RoundTripper that respects GitHub's rate limits:
//   - primary: an answer 403/429 with X-RateLimit-Remaining: 0 waits until X-RateLimit-Reset;
//   - secondary: an answer 403/429 with Retry-After waits that long; without it, waits a
//     minute and doubles on each repeat, as GitHub's documentation asks.
//
// A wait longer than maxWait, or more than maxRetries of them, hands the error answer up
// instead: a reconcile cycle then fails and the next one tries later. Every wait sleeps,
// so nothing ever hot-loops.
type limiter struct {
	next       http.RoundTripper
	maxWait    time.Duration
	maxRetries int
	now        func() time.Time
	sleep      func(ctx context.Context, d time.Duration) error
	onWait     func(kind string, d time.Duration)
}

func (l *limiter) RoundTrip(req *http.Request) (*http.Response, error) {
	backoff := time.Minute
	for attempt := 0; ; attempt++ {
		resp, err := l.next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		kind, wait := l.waitFor(resp, backoff)
		if kind == "" || attempt >= l.maxRetries || wait > l.maxWait {
			return resp, nil
		}
		if kind == "secondary" && resp.Header.Get("Retry-After") == "" {
			backoff *= 2
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if l.onWait != nil {
			l.onWait(kind, wait)
		}
		if err := l.sleep(req.Context(), wait); err != nil {
			return nil, err
		}
		if req.Body != nil && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}

// waitFor classifies a rate-limited answer and says how long to wait before retrying.
func (l *limiter) waitFor(resp *http.Response, backoff time.Duration) (string, time.Duration) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return "", 0
	}
	h := resp.Header
	if s := h.Get("Retry-After"); s != "" {
		if secs, err := strconv.Atoi(s); err == nil {
			return "secondary", max(time.Duration(secs)*time.Second, time.Second)
		}
	}
	if h.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			// One second past the reset: GitHub's clock and ours differ a little.
			return "primary", max(time.Unix(reset, 0).Sub(l.now())+time.Second, time.Second)
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests || mentionsSecondary(resp) {
		return "secondary", backoff
	}
	// A 403 with neither header is a permission problem, not a limit.
	return "", 0
}

// mentionsSecondary peeks at a 403's body for GitHub's secondary-limit message (sent
// without Retry-After at times), and puts the body back.
func mentionsSecondary(resp *http.Response) bool {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return bytes.Contains(bytes.ToLower(body), []byte("secondary rate limit"))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Package githubapi is CI Radar's GitHub REST client: go-github v62 behind a stack of
// transports that authenticate (a personal access token, or a GitHub App with installation
// tokens and the App's JWT), make every GET conditional (an ETag / Last-Modified cache, so
// unchanged resources answer 304 and cost no rate limit), wait out primary and secondary
// rate limits, and count what was spent. The base URL is configurable for GitHub
// Enterprise Server.
package githubapi

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
)

// Config says how to reach GitHub and as whom. Exactly one of Token or App is set.
type Config struct {
	// BaseURL is the REST API root: https://api.github.com/ (default) or
	// https://ghe.example.com/api/v3/ for GitHub Enterprise Server.
	BaseURL string
	Token   string
	App     *App
	// HTTPClient's transport carries the requests (default http.DefaultTransport).
	HTTPClient *http.Client
	Metrics    *Metrics
	// CacheEntries bounds the conditional-request cache (default 2000 answers).
	CacheEntries int
	// MaxWait is the longest rate-limit wait before a call fails instead (default 15m).
	MaxWait time.Duration
	// MaxRetries bounds rate-limit retries of one request (default 3).
	MaxRetries int
	// Now and Sleep are the clock, replaceable in tests.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// App is a GitHub App's identity.
type App struct {
	ID  int64
	Key *rsa.PrivateKey
	// InstallationID, when set, is used for every organisation; otherwise each
	// organisation's installation is looked up.
	InstallationID int64
}

// Client is the REST client the reconciler and backfill use.
type Client struct {
	gh       *github.Client
	logs     *http.Client // follows the log redirect to its pre-signed URL, without credentials
	base     *url.URL
	counters *counters
}

// New builds a client from cfg.
func New(cfg Config) (*Client, error) {
	if (cfg.Token == "") == (cfg.App == nil) {
		return nil, errors.New("github: set exactly one of a token or a GitHub App")
	}
	if cfg.App != nil && (cfg.App.ID == 0 || cfg.App.Key == nil) {
		return nil, errors.New("github: a GitHub App needs its id and private key")
	}
	base, err := parseBase(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 15 * time.Minute
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 3
	}
	var rt http.RoundTripper = http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		rt = cfg.HTTPClient.Transport
	}
	c := &Client{base: base, counters: &counters{}}
	c.counters.remaining.Store(-1)
	rt = &metered{next: rt, m: cfg.Metrics, c: c.counters}
	if cfg.App != nil {
		rt = &appAuth{next: rt, base: base, appID: cfg.App.ID, key: cfg.App.Key, installationID: cfg.App.InstallationID, now: cfg.Now}
	} else {
		rt = &tokenAuth{next: rt, token: cfg.Token, host: base.Host}
	}
	rt = &limiter{next: rt, maxWait: cfg.MaxWait, maxRetries: cfg.MaxRetries, now: cfg.Now, sleep: cfg.Sleep, onWait: cfg.Metrics.observeWait}
	limited := rt
	rt = newConditional(rt, cfg.CacheEntries, nil)

	gh := github.NewClient(&http.Client{Transport: rt})
	gh.BaseURL = base
	gh.UserAgent = "ciradar"
	c.gh = gh
	c.logs = &http.Client{Transport: limited, Timeout: 2 * time.Minute,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > 3 {
				return errors.New("too many redirects")
			}
			return nil
		}}
	return c, nil
}

func parseBase(s string) (*url.URL, error) {
	if s == "" {
		s = "https://api.github.com/"
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("github base url %q: want an absolute URL like https://ghe.example.com/api/v3/", s)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// tokenAuth adds a personal access token to requests for the API host only: the pre-signed
// log URL GitHub redirects to is elsewhere and must not receive it.
type tokenAuth struct {
	next  http.RoundTripper
	token string
	host  string
}

func (t *tokenAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == t.host {
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	return t.next.RoundTrip(req)
}

// Stats are this client's running totals.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.counters.requests.Load(), NotModified: c.counters.notModified.Load(), Remaining: c.counters.remaining.Load()}
}

// StatusError is a non-2xx answer that callers act on by code (404 and 410 mean gone).
type StatusError struct {
	Code int
	Op   string
}

func (e *StatusError) Error() string { return fmt.Sprintf("%s: HTTP %d", e.Op, e.Code) }

// IsGone reports whether err means the resource no longer exists (404 or 410): expired
// logs, deleted repositories. Such calls are not worth retrying.
func IsGone(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code == http.StatusNotFound || se.Code == http.StatusGone
	}
	var ge *github.ErrorResponse
	if errors.As(err, &ge) && ge.Response != nil {
		return ge.Response.StatusCode == http.StatusNotFound || ge.Response.StatusCode == http.StatusGone
	}
	return false
}

// Package gitlabapi is the GitLab side of the reconciler: it lists a project's pipelines
// updated since a checkpoint, and their jobs, through GitLab's Go API client, and turns
// them into the same hook-shaped deliveries the receiver stores, so that a missed hook is
// repaired by the same projection and survives reproject.
package gitlabapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// DefaultURL is gitlab.com; a self-managed instance gives its own base URL.
const DefaultURL = "https://gitlab.com"

// Client calls one GitLab instance with a personal, group or project access token (the
// read_api scope is enough).
type Client struct {
	gl       *gitlab.Client
	base     string // the instance's web base URL, as forge_url stores it
	pageSize int64
	calls    atomic.Int64
}

// New makes a client for the instance at baseURL (its web URL, e.g. https://gitlab.com or
// https://example.com/gitlab). hc may be nil. Retries are GitLab's client's own: off, so
// that one cycle's cost is what it asked for, and a failed cycle is simply tried again.
func New(baseURL, token string, hc *http.Client) (*Client, error) {
	var errs []error
	if token == "" {
		errs = append(errs, errors.New("a GitLab access token is required"))
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("GitLab URL %q: want an http:// or https:// URL", baseURL))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(baseURL, "/")
	c := &Client{base: base, pageSize: 100}
	if hc == nil {
		hc = &http.Client{}
	}
	counted := *hc
	counted.Transport = countingTransport{next: transportOf(hc), calls: &c.calls}
	c.gl, err = gitlab.NewClient(token, gitlab.WithBaseURL(base+"/api/v4"), gitlab.WithHTTPClient(&counted), gitlab.WithoutRetries())
	if err != nil {
		return nil, fmt.Errorf("gitlab client: %w", err)
	}
	return c, nil
}

// Calls is how many HTTP requests the client has made: the reconciler's API cost.
func (c *Client) Calls() int64 { return c.calls.Load() }

// Base is the instance's base URL.
func (c *Client) Base() string { return c.base }

func transportOf(hc *http.Client) http.RoundTripper {
	if hc.Transport != nil {
		return hc.Transport
	}
	return http.DefaultTransport
}

type countingTransport struct {
	next  http.RoundTripper
	calls *atomic.Int64
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.calls.Add(1)
	return t.next.RoundTrip(r)
}

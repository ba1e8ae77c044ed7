// Package status reads a Statuspage v2 page (GitHub's, by default): the summary with
// components and unresolved incidents, and the recent incidents list for annotations.
// Answers are cached for a minute, so that a dashboard full of panels and a busy alerting
// schedule cost the status page one request a minute, and requests time out quickly, so
// that an unreachable status page cannot stall a dashboard.
package status

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultURL is GitHub's public status page summary.
const DefaultURL = "https://www.githubstatus.com/api/v2/summary.json"

const (
	cacheFor     = 60 * time.Second
	failureTTL   = 10 * time.Second // a failure is remembered briefly: an outage must not stall every panel
	fetchTimeout = 5 * time.Second
	maxBody      = 4 << 20
)

// Component is one status page component.
type Component struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Status      string    `json:"status"`
	Description string    `json:"description"`
	GroupID     string    `json:"group_id"`
	Group       bool      `json:"group"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Update is one message posted on an incident.
type Update struct {
	Status    string    `json:"status"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Incident is one status page incident.
type Incident struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Status     string     `json:"status"`
	Impact     string     `json:"impact"`
	Shortlink  string     `json:"shortlink"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	Updates    []Update   `json:"incident_updates"`
}

// Summary is the part of summary.json CI Radar shows.
type Summary struct {
	Page struct {
		Name      string    `json:"name"`
		URL       string    `json:"url"`
		UpdatedAt time.Time `json:"updated_at"`
	} `json:"page"`
	Status struct {
		Indicator   string `json:"indicator"`
		Description string `json:"description"`
	} `json:"status"`
	Components []Component `json:"components"`
	Incidents  []Incident  `json:"incidents"`
}

// Client fetches and caches one status page.
type Client struct {
	url  string
	http *http.Client

	mu      sync.Mutex // held while fetching, so concurrent panels share one request
	entries map[string]entry
	now     func() time.Time
}

type entry struct {
	body    []byte
	err     error
	expires time.Time
}

// New returns a client for the summary at url. A nil hc gets a client with short timeouts.
func New(url string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: fetchTimeout}
	}
	return &Client{url: url, http: hc, entries: map[string]entry{}, now: time.Now}
}

// Summary returns components and unresolved incidents.
func (c *Client) Summary(ctx context.Context) (Summary, error) {
	var s Summary
	if err := c.get(ctx, c.url, &s); err != nil {
		return Summary{}, err
	}
	return s, nil
}

// Incidents returns the page's recent incidents, resolved ones included, from the
// incidents.json next to the summary. A URL not ending in summary.json has no such list,
// so the summary's unresolved incidents are all there is.
func (c *Client) Incidents(ctx context.Context) ([]Incident, error) {
	base, ok := strings.CutSuffix(c.url, "summary.json")
	if !ok {
		s, err := c.Summary(ctx)
		return s.Incidents, err
	}
	var l struct {
		Incidents []Incident `json:"incidents"`
	}
	if err := c.get(ctx, base+"incidents.json", &l); err != nil {
		return nil, err
	}
	return l.Incidents, nil
}

func (c *Client) get(ctx context.Context, url string, into any) error {
	body, err := c.fetch(ctx, url)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("status page %s: invalid JSON: %w", url, err)
	}
	return nil
}

func (c *Client) fetch(ctx context.Context, url string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[url]; ok && c.now().Before(e.expires) {
		return e.body, e.err
	}
	body, err := c.download(ctx, url)
	ttl := cacheFor
	if err != nil {
		ttl = failureTTL
	}
	c.entries[url] = entry{body: body, err: err, expires: c.now().Add(ttl)}
	return body, err
}

func (c *Client) download(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("status page URL %q: %w", url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("status page unreachable: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status page %s answered %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("status page %s: read body: %w", url, err)
	}
	return body, nil
}

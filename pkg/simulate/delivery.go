package simulate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/ciradar/ciradar/pkg/loadgen"
)

// Delivery is one webhook request as GitHub would send it.
type Delivery struct {
	Seq    int64
	GUID   string // X-GitHub-Delivery; a duplicate keeps it, like GitHub's redeliveries
	Event  string
	Action string
	At     time.Time // when GitHub sent it: the event's time
	Org    *Org
	RepoID int64
	Body   []byte
	Forge  string  // ForgeGitLab for a GitLab hook (gitlabdelivery.go); "" is GitHub
	jobs   []int64 // the GitLab jobs whose runner's tags the hook names (a Job Hook's, a Pipeline Hook's builds)
}

// guid spells a UUID from the world's id base and the delivery's sequence number.
func guid(idBase, seq int64) string {
	a, b := hash64(uint64(idBase), uint64(seq), 1), hash64(uint64(idBase), uint64(seq), 2)
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(a), uint16(a>>32), uint16(a>>48)&0xfff,
		uint16(b)&0x3fff|0x8000, b>>16&0xffffffffffff)
}

// Header is the request headers GitHub sends with d, signed with secret.
func (d Delivery) Header(secret string) http.Header {
	if d.Forge == ForgeGitLab {
		return d.gitlabHeader(secret)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "GitHub-Hookshot/ciradar-sim")
	h.Set("X-GitHub-Event", d.Event)
	h.Set("X-GitHub-Delivery", d.GUID)
	h.Set("X-GitHub-Hook-ID", strconv.FormatInt(d.Org.HookID, 10))
	h.Set("X-GitHub-Hook-Installation-Target-Type", "organization")
	h.Set("X-GitHub-Hook-Installation-Target-ID", strconv.FormatInt(d.Org.ID, 10))
	h.Set("X-Hub-Signature-256", loadgen.Sign([]byte(secret), d.Body))
	return h
}

// HTTPTarget posts deliveries to a receiver URL; GitLab's hooks go to GitLabURL with
// GitLabSecret as their token.
type HTTPTarget struct {
	URL    string
	Secret string
	Client *http.Client

	GitLabURL, GitLabSecret string
}

// Deliver posts d and returns the status code.
func (t HTTPTarget) Deliver(ctx context.Context, d Delivery) (int, error) {
	if d.Forge == ForgeGitLab {
		return t.postTo(ctx, t.GitLabURL, d.Header(t.GitLabSecret), d.Body)
	}
	return t.post(ctx, d.Header(t.Secret), d.Body)
}

// Resend posts a recorded request again, as GitHub's redelivery does.
func (t HTTPTarget) Resend(ctx context.Context, h http.Header, body []byte) (int, error) {
	return t.post(ctx, h, body)
}

func (t HTTPTarget) post(ctx context.Context, h http.Header, body []byte) (int, error) {
	return t.postTo(ctx, t.URL, h, body)
}

func (t HTTPTarget) postTo(ctx context.Context, url string, h http.Header, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header = h.Clone()
	c := t.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post delivery: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

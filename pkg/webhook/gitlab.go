package webhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"

	"github.com/ciradar/ciradar/pkg/store"
)

// GitLabHandler serves POST /webhook/gitlab. GitLab does not sign its hooks: it sends the
// secret token itself in X-Gitlab-Token, so the token is checked before the body is read,
// and a wrong or missing one is answered 401 with nothing read or stored. Everything after
// the check (body cap and budget, projection, group commit, the answers) is the GitHub
// receiver's own (Handler.accept).
type GitLabHandler struct {
	h *Handler
	// tokens are the SHA-256 digests of the accepted tokens: comparing digests takes the
	// same time whatever the length of the token a stranger sends.
	tokens [][sha256.Size]byte
}

// NewGitLabHandler validates cfg, whose Secrets are the accepted X-Gitlab-Token values
// (several for rotation). GitLab's senders are not GitHub's: cfg.Sources is ignored.
func NewGitLabHandler(cfg Config) (*GitLabHandler, error) {
	cfg.Sources = nil
	h, err := NewHandler(cfg)
	if err != nil {
		return nil, fmt.Errorf("gitlab webhook: %w", err)
	}
	g := &GitLabHandler{h: h}
	for _, s := range cfg.Secrets {
		g.tokens = append(g.tokens, sha256.Sum256([]byte(s)))
	}
	return g, nil
}

func (g *GitLabHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.h.cfg.Now()
	event := r.Header.Get("X-Gitlab-Event")
	code, outcome, msg := g.serve(w, r, event)
	g.h.respond(w, "gitlab:"+event, start, code, outcome, msg)
}

func (g *GitLabHandler) serve(w http.ResponseWriter, r *http.Request, event string) (int, string, string) {
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, "bad_method", "use POST"
	}
	if !g.verify(r.Header.Get("X-Gitlab-Token")) {
		return http.StatusUnauthorized, "bad_token", "missing or invalid X-Gitlab-Token"
	}
	received := g.h.cfg.Now().UTC()
	body, grant, err := g.h.readBody(w, r)
	defer grant.Release()
	if code, outcome, msg := bodyError(err, g.h.cfg.MaxBody); code != 0 {
		if code >= 500 {
			g.h.logs.Warn(outcome, "request body refused", "outcome", outcome, "error", err)
		}
		return code, outcome, msg
	}
	d := store.Delivery{ID: gitlabDeliveryID(r), Event: event, ReceivedAt: received, Payload: body, Forge: store.ForgeGitLab}
	if err := store.ValidateGitLabDelivery(d); err != nil {
		g.h.reject(r.Context(), d, err)
		return http.StatusBadRequest, "bad_headers", clip(err.Error(), 300)
	}
	return g.h.accept(r.Context(), d)
}

// gitlabDeliveryID is what deduplicates a GitLab delivery: Idempotency-Key, which GitLab
// keeps the same when it retries a hook, else X-Gitlab-Event-UUID, one per event.
func gitlabDeliveryID(r *http.Request) string {
	if k := strings.TrimSpace(r.Header.Get("Idempotency-Key")); k != "" {
		return k
	}
	return strings.TrimSpace(r.Header.Get("X-Gitlab-Event-UUID"))
}

// verify compares the token with every accepted one, in constant time, and never stops
// early: how long it takes says nothing about which token came close.
func (g *GitLabHandler) verify(token string) bool {
	if token == "" {
		return false
	}
	sum := sha256.Sum256([]byte(token))
	ok := 0
	for _, t := range g.tokens {
		ok |= subtle.ConstantTimeCompare(sum[:], t[:])
	}
	return ok == 1
}

package fakegithub

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// App makes the fake act as GitHub for a GitHub App: it verifies the App's RS256 JWT on
// /app routes, hands out installation tokens, and serves the App hook's deliveries, which
// are the deliveries of one org hook of the world (HookOrg, HookID).
type App struct {
	ID            int64
	Key           *rsa.PublicKey
	Installations map[string]int64 // org → installation id
	HookOrg       string
	HookID        int64
}

func (s *Server) appRoutes() {
	m := s.mux
	m.HandleFunc("GET /orgs/{org}/installation", s.installation)
	m.HandleFunc("POST /app/installations/{id}/access_tokens", s.accessToken)
	m.HandleFunc("GET /app/hook/deliveries", s.appHook(s.deliveries))
	m.HandleFunc("GET /app/hook/deliveries/{id}", s.appHook(s.delivery))
	m.HandleFunc("POST /app/hook/deliveries/{id}/attempts", s.appHook(s.redeliver))
}

// appAuthorised: the App's JWT for /app routes and the installation lookup; an issued
// installation token for everything else.
func (s *Server) appAuthorised(r *http.Request) bool {
	a := s.cfg.App
	if a == nil {
		return false
	}
	auth := r.Header.Get("Authorization")
	if strings.HasPrefix(r.URL.Path, "/app/") || strings.HasSuffix(r.URL.Path, "/installation") {
		jwt, ok := strings.CutPrefix(auth, "Bearer ")
		return ok && verifyJWT(jwt, a.ID, a.Key)
	}
	tok, ok := strings.CutPrefix(auth, "token ")
	if !ok {
		tok, ok = strings.CutPrefix(auth, "Bearer ")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return ok && s.tokens[tok]
}

func verifyJWT(jwt string, appID int64, key *rsa.PublicKey) bool {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 || key == nil {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig) != nil {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var claims struct {
		Iss string `json:"iss"`
		Exp int64  `json:"exp"`
	}
	// Expiry is checked against the wall clock: the JWT is signed with real time even when
	// the world's clock is simulated.
	return json.Unmarshal(raw, &claims) == nil && claims.Iss == strconv.FormatInt(appID, 10) && time.Now().Unix() < claims.Exp
}

func (s *Server) installation(w http.ResponseWriter, r *http.Request) {
	id, ok := s.cfg.App.Installations[r.PathValue("org")]
	if !ok {
		s.notFound(w, r)
		return
	}
	s.reply(w, r, http.StatusOK, map[string]any{"id": id, "account": map[string]any{"login": r.PathValue("org")}})
}

func (s *Server) accessToken(w http.ResponseWriter, r *http.Request) {
	known := false
	for _, id := range s.cfg.App.Installations {
		known = known || strconv.FormatInt(id, 10) == r.PathValue("id")
	}
	if !known {
		s.notFound(w, r)
		return
	}
	s.mu.Lock()
	if s.tokens == nil {
		s.tokens = map[string]bool{}
	}
	tok := fmt.Sprintf("ghs_fake%d_%d", id(r, "id"), len(s.tokens)+1)
	s.tokens[tok] = true
	s.mu.Unlock()
	s.reply(w, r, http.StatusCreated, map[string]any{"token": tok, "expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
}

// appHook serves an /app/hook route from the org hook standing in for the App's hook.
func (s *Server) appHook(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.SetPathValue("org", s.cfg.App.HookOrg)
		r.SetPathValue("hook", strconv.FormatInt(s.cfg.App.HookID, 10))
		h(w, r)
	}
}

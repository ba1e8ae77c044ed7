package githubapi

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ParsePrivateKey reads a GitHub App's private key: PEM, PKCS#1 (what GitHub hands out)
// or PKCS#8.
func ParsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("app private key: no PEM block found")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("app private key: neither PKCS#1 nor PKCS#8: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("app private key: not an RSA key")
	}
	return rk, nil
}

// AppJWT signs the short-lived RS256 token that authenticates as the App itself: issued a
// minute in the past (clock drift) and valid for nine minutes (GitHub allows ten).
func AppJWT(appID int64, key *rsa.PrivateKey, now time.Time) (string, error) {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, err := json.Marshal(map[string]any{
		"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(9 * time.Minute).Unix(), "iss": strconv.FormatInt(appID, 10),
	})
	if err != nil {
		return "", err
	}
	signing := header + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign app jwt: %w", err)
	}
	return signing + "." + enc.EncodeToString(sig), nil
}

// appAuth authenticates requests as a GitHub App: /app/... with the App's JWT, everything
// else with an installation token for the organisation (or user) the path names. The
// installation of each owner is found once (or given), and its token is renewed five
// minutes before it expires.
type appAuth struct {
	next           http.RoundTripper // already metered; tokens are fetched through it too
	base           *url.URL
	appID          int64
	key            *rsa.PrivateKey
	installationID int64 // 0: look up per owner
	now            func() time.Time

	mu     sync.Mutex
	tokens map[string]installationToken // by owner
}

type installationToken struct {
	token   string
	expires time.Time
}

func (a *appAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	rel := strings.TrimPrefix(req.URL.Path, strings.TrimSuffix(a.base.Path, "/"))
	var auth string
	if strings.HasPrefix(rel, "/app/") || rel == "/app" || req.URL.Host != a.base.Host {
		jwt, err := AppJWT(a.appID, a.key, a.now())
		if err != nil {
			return nil, err
		}
		auth = "Bearer " + jwt
		if req.URL.Host != a.base.Host {
			auth = "" // a log download URL is pre-signed: send no credential to it
		}
	} else {
		// A path naming no owner (enterprise APIs, a pre-signed download) goes without a
		// credential: an App installation cannot speak for it.
		if owner := ownerOf(rel); owner != "" {
			tok, err := a.token(req.Context(), owner)
			if err != nil {
				return nil, err
			}
			auth = "token " + tok
		}
	}
	req = req.Clone(req.Context())
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return a.next.RoundTrip(req)
}

// ownerOf is the organisation or user a REST path is about.
func ownerOf(path string) string {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) >= 2 && (parts[0] == "orgs" || parts[0] == "repos" || parts[0] == "users") {
		return parts[1]
	}
	return ""
}

func (a *appAuth) token(ctx context.Context, owner string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if t, ok := a.tokens[owner]; ok && a.now().Before(t.expires.Add(-5*time.Minute)) {
		return t.token, nil
	}
	id := a.installationID
	if id == 0 {
		var inst struct {
			ID int64 `json:"id"`
		}
		if err := a.appCall(ctx, http.MethodGet, "orgs/"+url.PathEscape(owner)+"/installation", &inst); err != nil {
			return "", fmt.Errorf("find app installation for %s: %w", owner, err)
		}
		id = inst.ID
	}
	var tok struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := a.appCall(ctx, http.MethodPost, "app/installations/"+strconv.FormatInt(id, 10)+"/access_tokens", &tok); err != nil {
		return "", fmt.Errorf("create installation token for %s: %w", owner, err)
	}
	if a.tokens == nil {
		a.tokens = map[string]installationToken{}
	}
	a.tokens[owner] = installationToken{token: tok.Token, expires: tok.ExpiresAt}
	return tok.Token, nil
}

// appCall makes one request as the App (JWT) and decodes the JSON answer.
func (a *appAuth) appCall(ctx context.Context, method, path string, out any) error {
	jwt, err := AppJWT(a.appID, a.key, a.now())
	if err != nil {
		return err
	}
	u := a.base.ResolveReference(&url.URL{Path: path})
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(nil))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+jwt)
	req.Header.Set("Accept", "application/vnd.github+json")
	resp, err := a.next.RoundTrip(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return &StatusError{Code: resp.StatusCode, Op: method + " " + path}
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

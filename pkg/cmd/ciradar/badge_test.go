package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/fixtures"
	"github.com/ciradar/ciradar/pkg/pgtest"
)

// privateRun is the real completed run of octo-org/octo-repo, moved to another repository
// of the organisation, made private and failed.
func privateRun(repo string, id float64) []byte {
	return fixtures.Edited("workflow_run.completed.2", func(doc map[string]any) {
		r := doc["repository"].(map[string]any)
		r["full_name"], r["name"], r["private"], r["visibility"] = "octo-org/"+repo, repo, true, "private"
		run := doc["workflow_run"].(map[string]any)
		run["id"], run["conclusion"] = id, "failure"
	})
}

// badgeAnswer is what a client sees of one badge request.
type badgeAnswer struct {
	code int
	body string
	h    http.Header
}

func getBadge(t *testing.T, addr, path string, header ...string) badgeAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return badgeAnswer{resp.StatusCode, string(b), resp.Header}
}

// TestBadgesThroughTheBinary drives GET /badge/{owner}/{repo}.svg of the real `ciradar
// serve`: real deliveries go in through /webhook, and the badges show them to public and
// listed repositories only; everything else is the 404 of a repository that does not
// exist, hostile paths get 400 or 404, answers are cached and clients rate-limited.
func TestBadgesThroughTheBinary(t *testing.T) {
	db := pgtest.NewDatabase(t)
	off := startReceiver(t, freeAddr(t), "CIRADAR_DATABASE_URL="+db, "CIRADAR_WEBHOOK_SECRET="+testSecret)
	r := startReceiver(t, freeAddr(t), "CIRADAR_DATABASE_URL="+db, "CIRADAR_WEBHOOK_SECRET="+testSecret,
		"CIRADAR_BADGE_PUBLIC=true", "CIRADAR_BADGE_REPOS=octo-org/listed", "CIRADAR_BADGE_RATE=1", "CIRADAR_BADGE_BURST=40")
	for i, body := range [][]byte{fixtures.Get("workflow_run.completed.2"), privateRun("listed", 501), privateRun("secret", 502)} {
		if code, _ := signedRaw("badge-"+string(rune('a'+i)), "workflow_run", body).send(t, r.addr); code != 200 {
			t.Fatalf("delivery %d: status %d\n%s", i, code, tail(r.logs.String(), 2000))
		}
	}

	if a := getBadge(t, off.addr, "/badge/octo-org/octo-repo.svg"); a.code != 404 {
		t.Errorf("badges off by default: status %d, want 404", a.code)
	}
	missing := getBadge(t, r.addr, "/badge/octo-org/does-not-exist.svg")
	cases := []struct {
		name, path string
		code       int
		has        []string // in the SVG
		sameAs404  bool     // byte for byte the answer for a repository that does not exist
	}{
		{name: "public repository", path: "/badge/octo-org/octo-repo.svg", code: 200, has: []string{">CI<", ">passing<"}},
		{name: "public, branch without runs", path: "/badge/octo-org/octo-repo.svg?branch=feature/x", code: 200, has: []string{">no runs<"}},
		{name: "nightly of a repository without one", path: "/badge/octo-org/octo-repo.svg?event=schedule", code: 200, has: []string{">nightly<", ">no runs<"}},
		{name: "workflow name is escaped", path: "/badge/octo-org/octo-repo.svg?workflow=%3Cscript%3Ealert(1)%3C%2Fscript%3E", code: 200,
			has: []string{"&lt;script&gt;alert(1)&lt;/script&gt;", ">no runs<"}},
		{name: "private but listed", path: "/badge/octo-org/listed.svg", code: 200, has: []string{">failing<"}},
		{name: "listed, any case", path: "/badge/OCTO-ORG/Listed.svg", code: 200, has: []string{">failing<"}},
		{name: "private and not listed", path: "/badge/octo-org/secret.svg", code: 404, sameAs404: true},
		{name: "private, with a filter", path: "/badge/octo-org/secret.svg?branch=master", code: 404, sameAs404: true},
		{name: "dot segments", path: "/badge/../../etc/passwd", code: 404},
		{name: "escaped dot segments", path: "/badge/%2e%2e/octo-repo.svg", code: 404},
		{name: "escaped slash", path: "/badge/octo-org/octo%2Frepo.svg", code: 404},
		{name: "three segments", path: "/badge/octo-org/octo-repo/x.svg", code: 404},
		{name: "not svg", path: "/badge/octo-org/octo-repo.png", code: 404},
		{name: "owner too long", path: "/badge/" + strings.Repeat("a", 40) + "/r.svg", code: 404},
		{name: "NUL in the name", path: "/badge/octo-org/octo%00repo.svg", code: 404},
		{name: "branch with dot-dot", path: "/badge/octo-org/octo-repo.svg?branch=a..b", code: 400},
		{name: "unknown parameter", path: "/badge/octo-org/octo-repo.svg?token=" + testSecret, code: 400},
		{name: "parameter twice", path: "/badge/octo-org/octo-repo.svg?branch=a&branch=b", code: 400},
		{name: "control character in workflow", path: "/badge/octo-org/octo-repo.svg?workflow=a%0Db", code: 400},
		{name: "invalid UTF-8 in workflow", path: "/badge/octo-org/octo-repo.svg?workflow=%ff%fe", code: 400},
		{name: "malformed query", path: "/badge/octo-org/octo-repo.svg?branch=%zz", code: 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := getBadge(t, r.addr, c.path)
			if a.code != c.code {
				t.Fatalf("status %d, want %d: %s", a.code, c.code, a.body)
			}
			if strings.Contains(a.body, testSecret) || strings.Contains(a.body, "passwd") {
				t.Error("the answer echoes the request")
			}
			if c.sameAs404 && (a.body != missing.body || a.h.Get("Content-Type") != missing.h.Get("Content-Type") ||
				a.h.Get("Cache-Control") != missing.h.Get("Cache-Control") || missing.code != 404) {
				t.Errorf("answer %d %q %v differs from a missing repository's %d %q %v", a.code, a.body, a.h, missing.code, missing.body, missing.h)
			}
			if c.code != 200 {
				return
			}
			if ct := a.h.Get("Content-Type"); ct != "image/svg+xml; charset=utf-8" || !strings.HasPrefix(a.body, "<svg ") {
				t.Errorf("content type %q, body %.60q: want an SVG", ct, a.body)
			}
			for _, want := range c.has {
				if !strings.Contains(a.body, want) {
					t.Errorf("badge lacks %q: %s", want, a.body)
				}
			}
			if cc := a.h.Get("Cache-Control"); !strings.Contains(cc, "max-age=300") || a.h.Get("ETag") == "" {
				t.Errorf("Cache-Control %q, ETag %q: want five minutes and an ETag", cc, a.h.Get("ETag"))
			}
			if again := getBadge(t, r.addr, c.path, "If-None-Match", a.h.Get("ETag")); again.code != 304 || again.body != "" {
				t.Errorf("conditional request: %d with %d bytes, want 304 and no body", again.code, len(again.body))
			}
		})
	}
	t.Run("POST is refused", func(t *testing.T) {
		resp, err := http.Post("http://"+r.addr+"/badge/octo-org/octo-repo.svg", "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 {
			t.Errorf("status %d, want 405", resp.StatusCode)
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		limited := 0
		for range 60 {
			a := getBadge(t, r.addr, "/badge/octo-org/octo-repo.svg")
			if a.code == 429 {
				limited++
				if a.h.Get("Retry-After") == "" {
					t.Fatal("429 without Retry-After")
				}
			}
		}
		if limited == 0 {
			t.Error("60 badges at once from one client: none refused, want 429s past the burst of 40")
		}
		time.Sleep(1100 * time.Millisecond)
		if a := getBadge(t, r.addr, "/badge/octo-org/octo-repo.svg"); a.code != 200 {
			t.Errorf("after a second's wait: status %d, want 200 again", a.code)
		}
	})
	if got := r.get("/healthz"); got != 200 {
		t.Fatalf("receiver not alive: %d", got)
	}
	assertNoSecrets(t, r.logs.String())
}

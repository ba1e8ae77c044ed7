package badge

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ciradar/ciradar/pkg/store"
)

// parseRequest reads /badge/{owner}/{repo}.svg and its optional workflow, branch and
// event. A path that cannot name a repository is a 404, like any repository without a
// badge; a malformed parameter is a 400. Messages are fixed text: nothing from the
// request is echoed.
func parseRequest(r *http.Request) (store.BadgeQuery, int, string) {
	rest := strings.TrimPrefix(r.URL.Path, Prefix)
	// The raw path, not the decoded one: an escaped slash or dot must not make a name.
	if raw := r.URL.EscapedPath(); strings.Contains(raw, "%") {
		return store.BadgeQuery{}, http.StatusNotFound, "no such badge"
	}
	owner, file, ok := strings.Cut(rest, "/")
	name, isSVG := strings.CutSuffix(file, ".svg")
	if !ok || !isSVG || !validOwner(owner) || !validRepo(name) {
		return store.BadgeQuery{}, http.StatusNotFound, "no such badge"
	}
	q := store.BadgeQuery{Repo: owner + "/" + name}
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, http.StatusBadRequest, "malformed query string"
	}
	for key, vs := range vals {
		if len(vs) != 1 {
			return q, http.StatusBadRequest, "each parameter may be given once"
		}
		v := vs[0]
		switch key {
		case "workflow":
			if !validText(v, 200) {
				return q, http.StatusBadRequest, "workflow must be 1 to 200 printable characters"
			}
			q.Workflow = v
		case "branch":
			if !validBranch(v) {
				return q, http.StatusBadRequest, "branch is not a valid branch name"
			}
			q.Branch = v
		case "event":
			if v != "schedule" && v != "push" && v != "workflow_dispatch" {
				return q, http.StatusBadRequest, "event must be schedule, push or workflow_dispatch"
			}
			q.Event = v
		default:
			return q, http.StatusBadRequest, "unknown parameter: use workflow, branch or event"
		}
	}
	return q, 0, ""
}

// validOwner follows GitHub's rules for user and organisation names: letters, digits and
// single hyphens, not at either end, at most 39 characters.
func validOwner(s string) bool {
	if s == "" || len(s) > 39 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for _, c := range s {
		if !(c < utf8.RuneSelf && (c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')) {
			return false
		}
	}
	return true
}

// validRepo follows GitHub's repository names: letters, digits, '.', '-', '_', at most
// 100, and never "." or "..".
func validRepo(s string) bool {
	if s == "" || len(s) > 100 || s == "." || s == ".." {
		return false
	}
	for _, c := range s {
		if !(c < utf8.RuneSelf && (c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')) {
			return false
		}
	}
	return true
}

// validText is printable UTF-8 of 1 to max runes.
func validText(s string, max int) bool {
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, c := range s {
		if !unicode.IsPrint(c) {
			return false
		}
	}
	return true
}

// validBranch keeps to what git allows in a branch name (git check-ref-format), which
// also keeps anything odd out of the SQL parameters and the log.
func validBranch(s string) bool {
	if !validText(s, 255) || strings.ContainsAny(s, " ~^:?*[\\") || strings.Contains(s, "..") || strings.Contains(s, "@{") ||
		strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") || strings.HasSuffix(s, ".") || strings.Contains(s, "//") ||
		strings.HasSuffix(s, ".lock") || strings.HasPrefix(s, "-") {
		return false
	}
	return true
}

package query

import (
	"net/url"
	"strings"
)

// newIssueURL opens GitHub's new-issue form on repo (owner/name) with the title and body
// filled in. Everything is escaped: the text comes from CI logs.
func newIssueURL(env Env, repo, title, body string) string {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" {
		return ""
	}
	q := url.Values{"title": {title}, "body": {body}}
	return env.gitHubWebURL() + "/" + url.PathEscape(owner) + "/" + url.PathEscape(name) + "/issues/new?" + q.Encode()
}

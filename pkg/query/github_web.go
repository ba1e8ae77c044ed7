package query

import (
	"net/url"
	"strings"
)

// DefaultGitHubWebURL is where GitHub's web pages are unless the data source names a
// GitHub Enterprise Server.
const DefaultGitHubWebURL = "https://github.com"

// gitHubWebURL is the configured web base, without a trailing slash: every GitHub link a
// query builds starts with it.
func (e Env) gitHubWebURL() string {
	if e.GitHubWebURL == "" {
		return DefaultGitHubWebURL
	}
	return strings.TrimRight(e.GitHubWebURL, "/")
}

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

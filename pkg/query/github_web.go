package query

import (
	"net/url"
	"strings"
)

// defaultGitHubWeb is github.com's web root: the links' host when the data source names no
// GitHub Enterprise Server.
const defaultGitHubWeb = "https://github.com"

// githubWeb is the web root every GitHub link a query builds starts from: the data
// source's githubWebURL setting (Env.GitHubWebURL) for GitHub Enterprise Server, else
// github.com. One function, so that no query hard-codes the host.
func githubWeb(env Env) string {
	if w := strings.TrimRight(strings.TrimSpace(env.GitHubWebURL), "/"); w != "" {
		return w
	}
	return defaultGitHubWeb
}

// newIssueURL opens GitHub's new-issue form on repo (owner/name) with the title and body
// filled in. Everything is escaped: the text comes from CI logs.
func newIssueURL(env Env, repo, title, body string) string {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" {
		return ""
	}
	q := url.Values{"title": {title}, "body": {body}}
	return githubWeb(env) + "/" + url.PathEscape(owner) + "/" + url.PathEscape(name) + "/issues/new?" + q.Encode()
}

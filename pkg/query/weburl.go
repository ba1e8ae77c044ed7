package query

import "strings"

// DefaultGitHubWebURL is where GitHub's web pages are unless the data source names a
// GitHub Enterprise Server.
const DefaultGitHubWebURL = "https://github.com"

// gitHubWebURL is the configured web base, without a trailing slash.
func (e Env) gitHubWebURL() string {
	if e.GitHubWebURL == "" {
		return DefaultGitHubWebURL
	}
	return strings.TrimRight(e.GitHubWebURL, "/")
}

// web builds GitHub links in SQL from the configured web base, bound once per statement.
// Links are built rather than taken from the html_url GitHub sent, so that every link a
// dashboard shows starts with the same, configured host: the one the users reach, which
// on Enterprise Server behind a proxy is not always the one the webhooks name. A part
// that is empty makes the whole link NULL (no link) rather than a wrong one.
type web struct{ base string }

func webLinks(st *stmt, env Env) web { return web{base: st.arg(env.gitHubWebURL()) + "::text"} }

// repo is the repository's page; repo is an owner/name column.
func (w web) repo(repo string) string {
	return "(" + w.base + " || '/' || nullif(" + repo + ", ''))"
}

func (w web) commit(repo, sha string) string {
	return "(" + w.repo(repo) + " || '/commit/' || nullif(" + sha + ", ''))"
}

func (w web) run(repo, runID string) string {
	return "(" + w.repo(repo) + " || '/actions/runs/' || nullif(" + runID + ", 0))"
}

func (w web) job(repo, runID, jobID string) string {
	return "(" + w.run(repo, runID) + " || '/job/' || nullif(" + jobID + ", 0))"
}

func (w web) pull(repo, number string) string {
	return "(" + w.repo(repo) + " || '/pull/' || " + number + ")"
}

// compare lists the commits after base up to head: GitHub's three-dot comparison.
func (w web) compare(repo, base, head string) string {
	return "(" + w.repo(repo) + " || '/compare/' || nullif(" + base + ", '') || '...' || nullif(" + head + ", ''))"
}

// rebase puts a stored GitHub web address (scheme and host as GitHub sent them) on the
// configured base, keeping its path: for the few queries that build links in Go.
func rebase(stored, base string) string {
	_, rest, ok := strings.Cut(stored, "://")
	if !ok {
		return ""
	}
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return ""
	}
	return base + rest[i:]
}

package query

import (
	"strconv"
	"strings"
)

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

// web builds links in SQL from the configured GitHub web base, bound once per statement.
// Links are built rather than taken from the html_url GitHub sent, so that every link a
// dashboard shows starts with the same, configured host: the one the users reach, which
// on Enterprise Server behind a proxy is not always the one the webhooks name. A part
// that is empty makes the whole link NULL (no link) rather than a wrong one.
//
// A web made with at knows the row's forge and instance columns: a GitLab row's links are
// built on its own instance (forge_url) with GitLab's paths, never on the GitHub base.
type web struct{ base, forge, forgeURL string }

func webLinks(st *stmt, env Env) web { return web{base: st.arg(env.gitHubWebURL()) + "::text"} }

// at is w for rows whose forge and forge_url are the given columns.
func (w web) at(forge, forgeURL string) web {
	w.forge, w.forgeURL = forge, forgeURL
	return w
}

// pick is the GitHub link, or for a GitLab row the GitLab one (when w knows the forge).
func (w web) pick(github, gitlab string) string {
	if w.forge == "" {
		return github
	}
	return "(CASE WHEN " + w.forge + " = 'gitlab' THEN " + gitlab + " ELSE " + github + " END)"
}

// repo is the repository's page; repo is an owner/name column (a GitLab project's path).
func (w web) repo(repo string) string {
	return w.pick("("+w.base+" || '/' || nullif("+repo+", ''))", w.gitLabRepo(repo))
}

func (w web) gitLabRepo(repo string) string {
	return "(nullif(" + w.forgeURL + ", '') || '/' || nullif(" + repo + ", ''))"
}

// gitLab is a GitLab project's page below /-/ (path ends with a slash), then part.
func (w web) gitLab(repo, path, part string) string {
	return "(" + w.gitLabRepo(repo) + " || '/-/" + path + "' || " + part + ")"
}

func (w web) commit(repo, sha string) string {
	return w.pick("("+w.at("", "").repo(repo)+" || '/commit/' || nullif("+sha+", ''))",
		w.gitLab(repo, "commit/", "nullif("+sha+", '')"))
}

func (w web) run(repo, runID string) string {
	return w.pick(w.githubRun(repo, runID), w.gitLab(repo, "pipelines/", "nullif("+runID+", 0)"))
}

func (w web) githubRun(repo, runID string) string {
	return "(" + w.at("", "").repo(repo) + " || '/actions/runs/' || nullif(" + runID + ", 0))"
}

// job is a job's page; GitLab's job pages need no pipeline.
func (w web) job(repo, runID, jobID string) string {
	return w.pick("("+w.githubRun(repo, runID)+" || '/job/' || nullif("+jobID+", 0))",
		w.gitLab(repo, "jobs/", "nullif("+jobID+", 0)"))
}

// pull is a pull request, or a GitLab merge request by its iid.
func (w web) pull(repo, number string) string {
	return w.pick("("+w.at("", "").repo(repo)+" || '/pull/' || "+number+")", w.gitLab(repo, "merge_requests/", number))
}

// compare lists the commits after base up to head: GitHub's three-dot comparison, and
// GitLab's, which reads the same.
func (w web) compare(repo, base, head string) string {
	part := "nullif(" + base + ", '') || '...' || nullif(" + head + ", '')"
	return w.pick("("+w.at("", "").repo(repo)+" || '/compare/' || "+part+")", w.gitLab(repo, "compare/", part))
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

// gitLabPage is a GitLab project's page of one job or pipeline (kind "jobs" or
// "pipelines") on its own instance, built in Go as web builds it in SQL: "" when a part is
// missing.
func gitLabPage(forgeURL, repo, kind string, id int64) string {
	if forgeURL == "" || repo == "" || id <= 0 {
		return ""
	}
	return strings.TrimRight(forgeURL, "/") + "/" + repo + "/-/" + kind + "/" + strconv.FormatInt(id, 10)
}

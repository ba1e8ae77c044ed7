package store

import (
	"net/url"
	"strings"
)

// The forges CI Radar reads (0025). A row's forge is part of its key, because ids are only
// unique within one forge; its forge URL (the instance's base URL) is an attribute.
const (
	ForgeGitHub = "github"
	ForgeGitLab = "gitlab"
)

// jobKey and runKey are the keys of the job and run rows a batch merges.
type jobKey struct {
	id    int64
	forge string
}

func (j *Job) key() jobKey { return jobKey{j.JobID, forgeOr(j.Forge)} }

// forgeOr names a forge: GitHub unless it says otherwise, as every row and delivery did
// before 0025 (and as rows built by hand still do).
func forgeOr(forge string) string {
	if forge == "" {
		return ForgeGitHub
	}
	return forge
}

func forgeOf(d Delivery) string { return forgeOr(d.Forge) }

// stampJobForge and stampRunForge make a row GitHub's when its parser did not name a forge
// (only GitLab's parser does), and give it the instance its own link names when the parser
// did not say.
func stampJobForge(j *Job) {
	if j.Forge == "" {
		j.Forge = ForgeGitHub
	}
	if j.ForgeURL == "" {
		j.ForgeURL = baseURL(j.HTMLURL)
	}
}

func stampRunForge(r *Run) {
	if r.Forge == "" {
		r.Forge = ForgeGitHub
	}
	if r.ForgeURL == "" {
		r.ForgeURL = baseURL(r.HTMLURL)
	}
}

// baseURL is the scheme and host of a web link (” when it is not one): the instance a
// GitHub row came from (https://github.com, or a GitHub Enterprise Server).
func baseURL(link string) string {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// instanceURL is a GitLab instance's base URL from a project's web URL and its path: the
// web URL less "/<path>", which keeps a self-managed instance's relative URL root
// (https://example.com/gitlab); the scheme and host when the two do not agree.
func instanceURL(webURL, path string) string {
	if path != "" {
		if base, ok := strings.CutSuffix(strings.TrimSuffix(webURL, "/"), "/"+path); ok && baseURL(base) != "" {
			return base
		}
	}
	return baseURL(webURL)
}

// mergeForge folds the forge fields of o into j, each by a join as in Merge.
func (j *Job) mergeForge(o *Job) {
	j.Forge = joinStr(j.Forge, o.Forge)
	j.ForgeURL = joinStr(j.ForgeURL, o.ForgeURL)
	j.Stage = joinStr(j.Stage, o.Stage)
	j.AllowFailure = j.AllowFailure || o.AllowFailure
	j.QueuedAt = minTime(j.QueuedAt, o.QueuedAt)
	j.ManualSince = minTime(j.ManualSince, o.ManualSince)
	j.FailureReason = joinStr(j.FailureReason, o.FailureReason)
}

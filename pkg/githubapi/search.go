package githubapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v62/github"
)

// Issue is a search hit: an issue that names what was searched for.
type Issue struct {
	URL, Title, State string
	Body              string
	Repo              string // owner/name
}

// searchHits is how many hits one search reads: the first open one is what a signature
// links to, and an id pasted into more issues than this is rare.
const searchHits = 20

// IssuesMentioning searches the issues (not pull requests) of orgs whose title or body
// holds term, most recently updated first, one page. Like every GET it is conditional: an
// unchanged answer is a 304, which costs no rate limit (the search API's own limit is 30
// a minute).
func (c *Client) IssuesMentioning(ctx context.Context, term string, orgs []string) ([]Issue, error) {
	q := []string{`"` + strings.ReplaceAll(term, `"`, "") + `"`, "in:title,body", "type:issue"}
	for _, o := range orgs {
		q = append(q, "org:"+o)
	}
	res, _, err := c.gh.Search.Issues(sleepy(ctx), strings.Join(q, " "),
		&github.SearchOptions{Sort: "updated", Order: "desc", ListOptions: github.ListOptions{PerPage: searchHits}})
	if err != nil {
		return nil, fmt.Errorf("search issues for %s: %w", term, err)
	}
	out := make([]Issue, 0, len(res.Issues))
	for _, is := range res.Issues {
		if is.IsPullRequest() {
			continue
		}
		out = append(out, Issue{URL: is.GetHTMLURL(), Title: is.GetTitle(), State: is.GetState(), Body: is.GetBody(), Repo: repoOfIssue(is)})
	}
	return out, nil
}

// repoOfIssue reads owner/name from the issue's repository_url (search hits carry no
// repository object).
func repoOfIssue(is *github.Issue) string {
	u := is.GetRepositoryURL()
	i := strings.LastIndex(u, "/repos/")
	if i < 0 {
		return ""
	}
	return u[i+len("/repos/"):]
}

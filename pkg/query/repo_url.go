package query

import (
	"context"
	"slices"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// repoPage is a repository's page built in Go as web.repo builds it in SQL: a GitLab
// project's on its own instance, a GitHub repository's on the configured base; "" when a
// part is missing.
func repoPage(forge, forgeURL, repo, base string) string {
	if repo == "" {
		return ""
	}
	if forge == "gitlab" {
		if forgeURL == "" {
			return ""
		}
		return strings.TrimRight(forgeURL, "/") + "/" + repo
	}
	return base + "/" + repo
}

// withRepoURLs appends repo_url to f, each row's repository page, for the frames whose rows
// aggregate the forge away (repo_stats, cost, flaky_jobs, steps): the dashboards' repository
// cells open it, on whichever forge the repository is. A repository's forge and instance are
// those of any one of its jobs, one probe of workflow_jobs_repo_created_idx each; one that no
// job names is GitHub's. Two forges' repositories of one name (see docs/gitlab.md) get one.
func withRepoURLs(ctx context.Context, env Env, req Request, f *data.Frame, field string) error {
	col, _ := f.FieldByName(field)
	if col == nil {
		return nil
	}
	repos := make([]string, 0, col.Len())
	for i := 0; i < col.Len(); i++ {
		if v, ok := col.ConcreteAt(i); ok {
			repos = append(repos, v.(string))
		}
	}
	slices.Sort(repos)
	repos = slices.Compact(repos)
	where := map[string][2]string{}
	if len(repos) > 0 {
		st := newStmt("repo_urls")
		st.add("SELECT x.repo, j.forge, j.forge_url FROM unnest(", st.arg(repos), "::text[]) AS x(repo)\n",
			"CROSS JOIN LATERAL (SELECT j.forge, j.forge_url FROM workflow_jobs j WHERE j.repo = x.repo")
		scopeOnly(req).where(st, jobFilters)
		st.add(" LIMIT 1) j")
		err := collect(ctx, env.DB, st, func(r pgx.Rows) error {
			var repo, forge, forgeURL string
			if err := r.Scan(&repo, &forge, &forgeURL); err != nil {
				return err
			}
			where[repo] = [2]string{forge, forgeURL}
			return nil
		})
		if err != nil {
			return err
		}
	}
	base := env.gitHubWebURL()
	urls := make([]*string, col.Len())
	for i := range urls {
		if v, ok := col.ConcreteAt(i); ok {
			at := where[v.(string)]
			urls[i] = nonEmpty(repoPage(at[0], at[1], v.(string), base))
		}
	}
	f.Fields = append(f.Fields, link(data.NewField("repo_url", nil, urls), "Open repository"))
	return nil
}

// repoDimURLs adds repo_url (withRepoURLs) to the first frame of an answer ranked by a
// dimension, when that dimension is the repository.
func repoDimURLs(ctx context.Context, env Env, req Request, dim string, frames data.Frames, err error) (data.Frames, error) {
	if err != nil || dim != "repo" || len(frames) == 0 {
		return frames, err
	}
	return frames, withRepoURLs(ctx, env, req, frames[0], "repo")
}

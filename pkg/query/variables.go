package query

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// variableSQL lists the distinct values behind each template variable. $1 narrows to an
// organisation and $2 to a repository; an empty string means no narrowing. Repositories
// use a skip scan over the (repo, created_at) index: one index probe per repository instead
// of reading every job.
var variableSQL = map[string]string{
	"repos": `WITH RECURSIVE r AS (
  (SELECT repo FROM workflow_jobs WHERE repo > '' ORDER BY repo LIMIT 1)
  UNION ALL
  SELECT (SELECT j.repo FROM workflow_jobs j WHERE j.repo > r.repo ORDER BY j.repo LIMIT 1) FROM r WHERE r.repo IS NOT NULL)
SELECT repo FROM r WHERE repo IS NOT NULL AND ($1 = '' OR starts_with(repo, $1 || '/')) AND ($2 = '' OR repo = $2)`,
	"workflows": `SELECT DISTINCT workflow_name FROM workflow_runs WHERE workflow_name <> '' AND ($1 = '' OR org = $1) AND ($2 = '' OR repo = $2)`,
	"branches":  `SELECT DISTINCT head_branch FROM workflow_runs WHERE head_branch <> '' AND ($1 = '' OR org = $1) AND ($2 = '' OR repo = $2)`,
	"events":    `SELECT DISTINCT event FROM workflow_runs WHERE event <> '' AND ($1 = '' OR org = $1) AND ($2 = '' OR repo = $2)`,
	"labels":    `SELECT DISTINCT label_key FROM workflow_jobs WHERE label_key <> '' AND ($1 = '' OR org = $1) AND ($2 = '' OR repo = $2)`,
	// The forges present: "github", "gitlab" or both, for the dashboards' forge variable.
	"forges":        `SELECT DISTINCT forge FROM workflow_runs WHERE ($1 = '' OR org = $1) AND ($2 = '' OR repo = $2)`,
	"runner_groups": `SELECT DISTINCT runner_group_name FROM workflow_jobs WHERE runner_group_name <> '' AND ($1 = '' OR org = $1) AND ($2 = '' OR repo = $2)`,
}

// variableScope applies a data source's scope to each variable's table, which the
// statements above leave unaliased: the repositories' list has only the repository name.
var variableScope = map[string]filterTarget{
	"repos": {"scope.org": "split_part(repo, '/', 1)", "scope.repo": "repo"},
	"":      {"scope.org": "org", "scope.repo": "repo"},
}

// VariableNames are the names Variables accepts.
func VariableNames() []string {
	return []string{"repos", "workflows", "labels", "runner_groups", "branches", "events", "forges"}
}

// Variables lists the sorted values of one template variable, within the data source's
// scope: a repository out of scope is never listed, nor anything only it has.
func Variables(ctx context.Context, db DB, scope Scope, name, org, repo string) ([]string, error) {
	sql, ok := variableSQL[name]
	if !ok {
		return nil, badQuery("unknown variable %q: use one of repos, workflows, labels, runner_groups, branches, events, forges", truncate(name, 80))
	}
	for _, p := range []struct{ name, v string }{{"parameter org", org}, {"parameter repo", repo}} {
		if err := CheckText(p.name, p.v); err != nil {
			return nil, err
		}
	}
	st := newStmt("variable " + name)
	st.add(sql)
	st.args = []any{org, repo}
	target, ok := variableScope[name]
	if !ok {
		target = variableScope[""]
	}
	Filters{scope: scope}.where(st, target)
	if name != "repos" {
		st.add(" ORDER BY 1 LIMIT 5000")
	}
	if !scope.IsZero() {
		db = scopeGuard{db: db}
	}
	out := []string{}
	err := collect(ctx, db, st, func(r pgx.Rows) error {
		var v string
		if err := r.Scan(&v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

package query

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Scope limits one data source instance to some repositories (docs/scope.md): every
// repository of some owners, and some repositories by name. The zero Scope limits nothing.
//
// The plugin sets Request.Scope from the instance's settings; nothing a user sends can
// change it. A query type gets it without writing a line, as long as it goes through the
// shared machinery:
//
//  1. decode the query into a model that embeds common (or call scopeOnly(req) when it
//     has no filters of its own): decode copies the scope into the model's Filters;
//  2. call Filters.where on every SELECT that reads repository rows, with a filterTarget
//     that has "scope.org" and "scope.repo" entries (jobFilters, runFilters,
//     occurrenceFilters, inventoryFilters have them): where adds the scope as bound
//     parameters;
//  3. decide on rollups with planFor or planDayHours (every plan is built on finalSpan):
//     on a scoped request they answer "no rollups", since most rollups mix repositories (docs/scope.md checks each
//     table); only a query whose rollups all keep repositories apart passes repoSplit(req)
//     and applies the scope to their rows through where;
//  4. run statements with collect (or table, or collectHistRows).
//
// Nothing else is needed, and nothing less will run: on a scoped request Run hands the
// query a DB that refuses any statement that did not get the scope through where, or that
// was not marked st.noRepoData() because it reads nothing of a repository. The registry
// test in pkg/plugin/hosttest (TestScopeHidesWhatIsOutOfScope) runs every registered type
// against a scoped instance and fails a type that leaks a name, an id or a count, or that
// this guard refuses.
type Scope struct {
	orgs  []string // owners all of whose repositories are in scope
	repos []string // owner/name of single repositories in scope
	nOrg  int      // entries that name an organisation ("acme")
	nPat  int      // entries that are repository patterns ("acme/*", "acme/web")
}

// MaxScopeEntries bounds a scope: past it a list is more likely a paste gone wrong than a
// team's repositories, and each entry is a bound parameter of every query.
const MaxScopeEntries = 1000

// ParseScope reads jsonData.scope. Each entry is an organisation ("acme"), every repository
// of one ("acme/*"), or one repository ("acme/web"), spelled as GitHub spells them. Anything
// else is refused with the entry's position and text: a malformed entry must never be read
// as "everything".
func ParseScope(entries []string) (Scope, error) {
	if len(entries) > MaxScopeEntries {
		return Scope{}, fmt.Errorf("scope has %d entries: at most %d are allowed", len(entries), MaxScopeEntries)
	}
	var s Scope
	for i, e := range entries {
		owner, repo, err := scopeEntry(e)
		if err != nil {
			return Scope{}, fmt.Errorf("scope entry %d %q %s", i+1, Echo(e), err)
		}
		switch {
		case !strings.Contains(e, "/"):
			s.nOrg++
			s.orgs = append(s.orgs, owner)
		case repo == "*":
			s.nPat++
			s.orgs = append(s.orgs, owner)
		default:
			s.nPat++
			s.repos = append(s.repos, owner+"/"+repo)
		}
	}
	slices.Sort(s.orgs)
	slices.Sort(s.repos)
	s.orgs, s.repos = slices.Compact(s.orgs), slices.Compact(s.repos)
	return s, nil
}

// scopeEntry splits one entry into owner and repository ("" for an organisation), or says
// what is wrong with it.
func scopeEntry(e string) (owner, repo string, err error) {
	owner, repo, hasSlash := strings.Cut(e, "/")
	switch {
	case e == "":
		return "", "", fmt.Errorf("is empty")
	case e == "*" || owner == "*":
		return "", "", fmt.Errorf("has a wildcard owner: only a whole repository name may be *, as in owner/*; to allow everything, leave the scope empty")
	case strings.Count(e, "/") > 1:
		return "", "", fmt.Errorf("has more than one /: use an organisation, owner/repo or owner/*")
	case owner == "":
		return "", "", fmt.Errorf("has an empty owner before the /")
	case hasSlash && repo == "":
		return "", "", fmt.Errorf("has an empty repository after the /: use owner/* for all of them")
	case strings.Contains(owner, "*") || (repo != "*" && strings.Contains(repo, "*")):
		return "", "", fmt.Errorf("has a wildcard inside a name: only owner/* is allowed")
	}
	for _, part := range []string{owner, repo} {
		if part == "*" {
			continue
		}
		for _, r := range part {
			if !(r == '-' || r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				return "", "", fmt.Errorf("holds %q, which no GitHub owner or repository name has", string(r))
			}
		}
	}
	return owner, repo, nil
}

// IsZero reports whether s limits nothing.
func (s Scope) IsZero() bool { return len(s.orgs) == 0 && len(s.repos) == 0 }

// Describe says what s allows, for the health check: "scoped to 3 organisations, 2
// repository patterns". It names no entry: the count is what an admin checks.
func (s Scope) Describe() string {
	if s.IsZero() {
		return "not scoped: every repository of the store"
	}
	plural := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	var parts []string
	if s.nOrg > 0 {
		parts = append(parts, plural(s.nOrg, "organisation", "organisations"))
	}
	if s.nPat > 0 {
		parts = append(parts, plural(s.nPat, "repository pattern", "repository patterns"))
	}
	return "scoped to " + strings.Join(parts, ", ")
}

// cond writes the scope as a condition over an owner expression and a repository
// expression, both bound: (org = ANY($a) OR repo = ANY($b)), or one side alone when the
// other list is empty, so that an exact-repository scope can use the (repo, created_at)
// indexes.
func (s Scope) cond(st *stmt, orgExpr, repoExpr string) string {
	var parts []string
	if len(s.orgs) > 0 {
		parts = append(parts, orgExpr+" = ANY("+st.arg(s.orgs)+"::text[])")
	}
	if len(s.repos) > 0 {
		parts = append(parts, repoExpr+" = ANY("+st.arg(s.repos)+"::text[])")
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// scopeOnly is the Filters of a query type with no filters of its own: only the scope, so
// that its where calls apply it.
func scopeOnly(req Request) Filters { return Filters{scope: req.Scope} }

// NewestRun is when the newest workflow run within scope was created, nil when there is
// none: the health check's sign of life for a scoped instance, whose users must not learn
// from the newest delivery that some other repository was busy a minute ago.
func NewestRun(ctx context.Context, db DB, scope Scope) (*time.Time, error) {
	st := newStmt("health_newest_run")
	st.add("SELECT r.created_at FROM workflow_runs r WHERE r.created_at IS NOT NULL")
	scopeFilters := Filters{scope: scope}
	scopeFilters.where(st, runFilters)
	st.add(" ORDER BY r.created_at DESC LIMIT 1")
	var newest *time.Time
	err := collect(ctx, db, st, func(r pgx.Rows) error { return r.Scan(&newest) })
	return newest, err
}

package query

import "fmt"

// Filters are the shared filters of docs/queries.md. Each list is a set of exact values;
// an empty list, or one holding "$__all" or "*", means no filter.
type Filters struct {
	Orgs         []string `json:"orgs"`
	Repos        []string `json:"repos"`
	Workflows    []string `json:"workflows"`
	Labels       []string `json:"labels"`
	Branches     []string `json:"branches"`
	Events       []string `json:"events"`
	Conclusions  []string `json:"conclusions"`
	RunnerGroups []string `json:"runnerGroups"`
	// Forges ("github", "gitlab"): ids are per forge, and rollups mix forges, so a request
	// that sets it reads the projections (onlyFilters).
	Forges []string `json:"forges"`

	// scope is the instance's, set by decode (see Scope); no query JSON can reach it.
	scope Scope
}

// common is the part of every query's model that is shared.
type common struct {
	Filters Filters `json:"filters"`
}

// setScope is how decode hands the instance's scope to every model that embeds common.
func (c *common) setScope(s Scope) { c.Filters.scope = s }

// values normalises one filter list: nil when it means "everything".
func values(vs []string) []string {
	for _, v := range vs {
		if v == "$__all" || v == "*" {
			return nil
		}
	}
	if len(vs) == 0 {
		return nil
	}
	return vs
}

// filterTarget says how each filter applies to one table: a column compared with = ANY, or
// an EXISTS sub-query (with %s for the placeholder) for filters that live in another table.
// Filters a target does not list do not apply to it. Two entries are not filters but the
// table's owner ("scope.org") and repository ("scope.repo") expressions, through which
// where applies the instance's Scope: a target without them cannot serve a scoped request.
type filterTarget map[string]string

// jobFilters applies to workflow_jobs aliased j.
var jobFilters = filterTarget{
	"scope.org": "j.org", "scope.repo": "j.repo",
	"orgs": "j.org = ANY(%s)", "repos": "j.repo = ANY(%s)", "workflows": "j.workflow_name = ANY(%s)",
	"labels": "j.label_key = ANY(%s)", "branches": "j.head_branch = ANY(%s)",
	"conclusions": "j.conclusion = ANY(%s)", "runnerGroups": "j.runner_group_name = ANY(%s)",
	"forges": "j.forge = ANY(%s)",
	"events": "EXISTS (SELECT 1 FROM workflow_runs fr WHERE fr.run_id = j.run_id AND fr.forge = j.forge AND fr.event = ANY(%s))",
}

// runFilters applies to workflow_runs aliased r.
var runFilters = filterTarget{
	"scope.org": "r.org", "scope.repo": "r.repo",
	"orgs": "r.org = ANY(%s)", "repos": "r.repo = ANY(%s)", "workflows": "r.workflow_name = ANY(%s)",
	"branches": "r.head_branch = ANY(%s)", "events": "r.event = ANY(%s)", "conclusions": "r.conclusion = ANY(%s)",
	"forges":       "r.forge = ANY(%s)",
	"labels":       "EXISTS (SELECT 1 FROM workflow_jobs fj WHERE fj.run_id = r.run_id AND fj.forge = r.forge AND fj.label_key = ANY(%s))",
	"runnerGroups": "EXISTS (SELECT 1 FROM workflow_jobs fj WHERE fj.run_id = r.run_id AND fj.forge = r.forge AND fj.runner_group_name = ANY(%s))",
}

// without returns a copy of t that ignores the named filters, for queries where a filter
// makes no sense (a conclusion for jobs still queued).
func (t filterTarget) without(names ...string) filterTarget {
	out := make(filterTarget, len(t))
	for k, v := range t {
		out[k] = v
	}
	for _, n := range names {
		delete(out, n)
	}
	return out
}

// where appends " AND cond" for every filter that is set and applies to t, and the scope
// when the request has one (see Scope).
func (f Filters) where(s *stmt, t filterTarget) {
	f.whereScope(s, t)
	for _, c := range []struct {
		name string
		vals []string
	}{
		{"orgs", f.Orgs}, {"repos", f.Repos}, {"workflows", f.Workflows}, {"labels", f.Labels},
		{"branches", f.Branches}, {"events", f.Events}, {"conclusions", f.Conclusions},
		{"runnerGroups", f.RunnerGroups}, {"forges", f.Forges},
	} {
		tmpl, ok := t[c.name]
		vs := values(c.vals)
		if !ok || vs == nil {
			continue
		}
		s.add(" AND ", fmt.Sprintf(tmpl, s.arg(vs)))
	}
}

// whereScope appends the scope's condition over t's owner and repository expressions. A
// target without them marks the statement, and collect refuses to run it: a table the
// scope cannot reach is never read as if it were in scope.
func (f Filters) whereScope(s *stmt, t filterTarget) {
	if f.scope.IsZero() {
		return
	}
	org, okOrg := t["scope.org"]
	repo, okRepo := t["scope.repo"]
	if !okOrg || !okRepo {
		s.scopeMissing = true
		return
	}
	s.add(" AND ", f.scope.cond(s, org, repo))
	s.scoped = true
}

package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// PluginID is the data source plugin's id, in the catalogue's org-name-type form.
const PluginID = "ciradar-ciradar-datasource"

// DatasourceUID is the uid provisioning/datasources/ciradar.yaml gives the data source.
// The dashboards' data source variable defaults to it, and the alert rules name it.
const DatasourceUID = "ciradar"

// DatasourceName is the provisioned data source's name.
const DatasourceName = "CI Radar"

// ciradar is the data source every panel, annotation and variable uses: the dashboard's
// datasource variable, so that one dashboard serves any CI Radar data source.
var ciradar = common.DataSourceRef{Type: ptr(PluginID), Uid: ptr("${datasource}")}

// datasourceVariable lists the data sources of this plugin. It defaults to the
// provisioned one (uid ciradar), which is what a dashboard loaded from disk gets; a
// dashboard imported where no data source has that uid falls back to the first CI Radar
// data source, and the picker at the top switches between them.
func datasourceVariable() *dashboard.DatasourceVariableBuilder {
	return dashboard.NewDatasourceVariableBuilder("datasource").
		Label("Data source").
		Type(PluginID).
		Current(dashboard.VariableOption{
			Text:  dashboard.StringOrArrayOfString{String: ptr(DatasourceName)},
			Value: dashboard.StringOrArrayOfString{String: ptr(DatasourceUID)},
		}).
		Multi(false).IncludeAll(false).Regex("")
}

// variables are the template variables every dashboard shares, and those vars asks for.
// Org has no list of its own: it is the owner part of the repositories, which Grafana's
// regex capture extracts and de-duplicates. "*" as the all value reaches the backend as
// "no filter". Each query is the variable query of src/types.ts (GET /variables/{name},
// narrowed by org and repo).
func variables(vars boardVars) []cog.Builder[dashboard.VariableModel] {
	all := dashboard.VariableOption{
		Text:  dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
		Value: dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
	}
	v := func(name, label, list, regex string, narrow map[string]any) *dashboard.QueryVariableBuilder {
		query := map[string]any{"refId": "Var-" + name, "name": list}
		for k, e := range narrow {
			query[k] = e
		}
		return dashboard.NewQueryVariableBuilder(name).Label(label).Hide(dashboard.VariableHideDontHide).
			Datasource(ciradar).
			Query(dashboard.StringOrMap{Map: query}).
			Definition("CI Radar " + list).
			Regex(regex).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Sort(dashboard.VariableSortAlphabeticalAsc).
			Multi(true).IncludeAll(true).AllValue("*").
			Current(all)
	}
	// one is a variable that holds exactly one value, Grafana's first until one is picked
	// (or the given one when it is in the list).
	one := func(b *dashboard.QueryVariableBuilder, current string) *dashboard.QueryVariableBuilder {
		c := dashboard.VariableOption{}
		if current != "" {
			c = dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{String: ptr(current)},
				Value: dashboard.StringOrArrayOfString{String: ptr(current)}}
		}
		return b.Multi(false).IncludeAll(false).AllValue("").Current(c)
	}
	repo := v("repo", "Repository", "repos", "", map[string]any{"org": "$org"})
	if vars.singleRepo {
		repo = one(repo, "")
	}
	// forge: GitHub, GitLab or both, of the forges the store has rows of (issue 19).
	out := []cog.Builder[dashboard.VariableModel]{v("forge", "Forge", "forges", "", nil),
		v("org", "Organisation", "repos", `/^([^/]+)\//`, nil), repo}
	if vars.branch {
		out = append(out, one(v("branch", "Branch", "branches", "", map[string]any{"org": "$org", "repo": "$repo"}), "main"))
	}
	out = append(out,
		v("workflow", "Workflow", "workflows", "", map[string]any{"org": "$org", "repo": "$repo"}),
		v("label", "Runner labels", "labels", "", map[string]any{"org": "$org", "repo": "$repo"}))
	if vars.runID {
		out = append(out, dashboard.NewTextBoxVariableBuilder("run_id").Label("Run id").
			Description("A workflow run's id, as in its address on GitHub (…/actions/runs/<id>), or a GitLab pipeline's (…/-/pipelines/<id>). Empty: the newest run the filters allow.").
			Hide(dashboard.VariableHideDontHide))
	}
	// Hidden: the data source's GitHub web address (the answers build their GitHub links on the
	// same setting), for links a user adds to a panel of their own.
	return append(out, dashboard.NewQueryVariableBuilder("github_url").Label("GitHub").Hide(dashboard.VariableHideHideVariable).
		Datasource(ciradar).
		Query(dashboard.StringOrMap{Map: map[string]any{"refId": "Var-github_url", "name": "github_url"}}).
		Definition("CI Radar github_url").
		Refresh(dashboard.VariableRefreshOnDashboardLoad).
		Multi(false).IncludeAll(false))
}

// filters applies every dashboard variable; the backend ignores a filter a query type has
// no use for.
func filters() *Filters {
	return &Filters{Orgs: []string{"$org"}, Repos: []string{"$repo"}, Workflows: []string{"$workflow"}, Labels: []string{"$label"},
		Forges: []string{"$forge"}}
}

// runnerFilters leaves out the workflow: runners have none.
func runnerFilters() *Filters {
	f := filters()
	f.Workflows = nil
	return f
}

// target is a CI Radar query with the shared filters, unless it has its own.
func target(q Query) Query {
	if q.Filters == nil {
		q.Filters = filters()
	}
	return q
}

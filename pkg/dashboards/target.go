package dashboards

import (
	"reflect"

	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
)

// Filters narrows a query; the dashboards pass their template variables, the backend
// ignores a filter a query type has no use for. It mirrors Filters in src/types.ts.
type Filters struct {
	Orgs      []string `json:"orgs,omitempty"`
	Repos     []string `json:"repos,omitempty"`
	Workflows []string `json:"workflows,omitempty"`
	Labels    []string `json:"labels,omitempty"`
	Events    []string `json:"events,omitempty"`
	Branches  []string `json:"branches,omitempty"`
	Forges    []string `json:"forges,omitempty"`
}

// Query is a CI Radar query as panels, annotations and alert rules store it: CIRadarQuery
// of src/types.ts (docs/queries.md is the contract). It is the data source's own query
// variant for the foundation SDK's builders, which know only Grafana's core data sources.
type Query struct {
	RefID      string                `json:"refId"`
	Datasource *common.DataSourceRef `json:"datasource,omitempty"`
	QueryType  string                `json:"queryType"`
	Filters    *Filters              `json:"filters,omitempty"`
	GroupBy    string                `json:"groupBy,omitempty"`
	States     []string              `json:"states,omitempty"`
	Limit      int                   `json:"limit,omitempty"`
	Dimension  string                `json:"dimension,omitempty"`
	Metric     string                `json:"metric,omitempty"`
	SplitBy    string                `json:"splitBy,omitempty"`
	OnlyNew    *bool                 `json:"onlyNew,omitempty"`
	View       string                `json:"view,omitempty"`
	Source     string                `json:"source,omitempty"`
	Value      string                `json:"value,omitempty"`
	// IncludeAbandoned counts abandoned waits as queue-time samples (queue_time).
	IncludeAbandoned bool `json:"includeAbandoned,omitempty"`
	// RunID is the pipeline's run: a template variable such as "$run_id".
	RunID  string `json:"runId,omitempty"`
	Repo   string `json:"repo,omitempty"`   // commit_grid, pipeline
	Branch string `json:"branch,omitempty"` // commit_grid, pipeline
	Kind   string `json:"kind,omitempty"`   // refs: branches or releases
	// Calendar buckets build_results by calendar week, month or year.
	Calendar string `json:"calendar,omitempty"`
	// Alert rules say how the query is asked; dashboards leave it to the panel.
	IntervalMs    int64 `json:"intervalMs,omitempty"`
	MaxDataPoints int64 `json:"maxDataPoints,omitempty"`
}

var _ variants.Dataquery = Query{}

// ImplementsDataqueryVariant marks Query as a data query for the SDK.
func (Query) ImplementsDataqueryVariant() {}

// DataqueryType is the plugin id, as the SDK's own variants name theirs.
func (Query) DataqueryType() string { return PluginID }

// Validate is the SDK's check before a query is built into a panel; the panel-query test
// runs every query against the plugin, which is the check that counts.
func (Query) Validate() error { return nil }

// Equals compares two queries field by field.
func (q Query) Equals(other variants.Dataquery) bool {
	o, ok := other.(Query)
	return ok && reflect.DeepEqual(q, o)
}

// Build makes a Query its own builder, so that panels take it as it is.
func (q Query) Build() (variants.Dataquery, error) { return q, nil }

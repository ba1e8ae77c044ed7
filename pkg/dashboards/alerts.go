package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/expr"
)

// AlertFolder is the folder the alert rules are provisioned into. It must differ from
// the dashboards' folder (provisioning/dashboards/ciradar.yaml: "CI Radar"): Grafana
// finds or creates an alert rule folder by its title, and when that title is the
// dashboard provider's folder it can end up with two folders of one name.
const AlertFolder = "CI Radar alerts"

// AlertGroup is the rule group; every rule is evaluated once a minute.
const AlertGroup = "CI Radar"

// RulesFile is Grafana's alert rule file provisioning format. The SDK builds the rules
// (the HTTP provisioning API's shape); this envelope, which names the folder by title and
// the group by name, is the file format's own and the SDK has no type for it.
type RulesFile struct {
	APIVersion int         `json:"apiVersion"`
	Groups     []RuleGroup `json:"groups"`
}

// RuleGroup is one group of a rules file.
type RuleGroup struct {
	OrgID    int64      `json:"orgId"`
	Name     string     `json:"name"`
	Folder   string     `json:"folder"`
	Interval string     `json:"interval"`
	Rules    []FileRule `json:"rules"`
}

// FileRule is the part of an SDK-built rule that a rules file carries: the folder, group
// and organisation come from the group around it.
type FileRule struct {
	UID          string                    `json:"uid"`
	Title        string                    `json:"title"`
	Condition    string                    `json:"condition"`
	Data         []alerting.Query          `json:"data"`
	NoDataState  alerting.RuleNoDataState  `json:"noDataState"`
	ExecErrState alerting.RuleExecErrState `json:"execErrState"`
	For          string                    `json:"for"`
	Labels       map[string]string         `json:"labels"`
	Annotations  map[string]string         `json:"annotations"`
}

// alertRule is one rule: a CI Radar query (A) over the last window seconds, reduced per
// series (B), and compared with a threshold (C), the condition. One alert instance per
// label set, which the annotations name.
type alertRule struct {
	uid, title string
	window     alerting.Duration
	query      Query
	reducer    expr.TypeReduceReducer
	above      float64
	noData     alerting.RuleNoDataState
	pending    string
	severity   string
	// team and repo are the labels, besides severity, that notification policies route on
	// (docs/alerts.md): templates over the instance's own labels where the query has them
	// ("{{ $labels.org }}"), else the fixed team "ci" and repo "any".
	team, repo string
	summary    string
	desc       string
}

func (r alertRule) build() (FileRule, error) {
	q := r.query
	q.RefID = "A"
	reduce := expr.NewTypeReduceBuilder().RefId("B").Expression("A").Reducer(r.reducer).
		Settings(expr.NewExprTypeReduceSettingsBuilder().Mode(expr.ExprTypeReduceSettingsModeDropNN))
	threshold := expr.NewTypeThresholdBuilder().RefId("C").Expression("B").
		Conditions([]cog.Builder[expr.ExprTypeThresholdConditions]{expr.NewExprTypeThresholdConditionsBuilder().
			Evaluator(expr.NewExprTypeThresholdConditionsEvaluatorBuilder().
				Type(expr.ExprTypeThresholdConditionsEvaluatorTypeGt).Params([]float64{r.above}))})
	rule, err := alerting.NewRuleBuilder(r.title).
		Uid(r.uid).
		RuleGroup(AlertGroup).
		Condition("C").
		WithQuery(alerting.NewQueryBuilder("A").RelativeTimeRange(r.window, 0).DatasourceUid(DatasourceUID).Model(q)).
		WithQuery(alerting.NewQueryBuilder("B").RelativeTimeRange(r.window, 0).DatasourceUid("__expr__").
			Model(expr.NewExprBuilder().TypeReduce(reduce))).
		WithQuery(alerting.NewQueryBuilder("C").RelativeTimeRange(r.window, 0).DatasourceUid("__expr__").
			Model(expr.NewExprBuilder().TypeThreshold(threshold))).
		NoDataState(r.noData).
		ExecErrState(alerting.RuleExecErrStateError).
		For(r.pending).
		Labels(map[string]string{"severity": r.severity, "team": r.team, "repo": r.repo}).
		Annotations(map[string]string{"summary": r.summary, "description": r.desc}).
		Build()
	if err != nil {
		return FileRule{}, fmt.Errorf("build alert rule %s: %w", r.uid, err)
	}
	return FileRule{UID: *rule.Uid, Title: rule.Title, Condition: rule.Condition, Data: rule.Data,
		NoDataState: rule.NoDataState, ExecErrState: rule.ExecErrState, For: rule.For,
		Labels: rule.Labels, Annotations: rule.Annotations}, nil
}

// Alerts builds provisioning/alerting/ciradar.json.
func Alerts() (RulesFile, error) {
	g := RuleGroup{OrgID: 1, Name: AlertGroup, Folder: AlertFolder, Interval: "1m"}
	for _, r := range alertRules {
		fr, err := r.build()
		if err != nil {
			return RulesFile{}, err
		}
		g.Rules = append(g.Rules, fr)
	}
	return RulesFile{APIVersion: 1, Groups: []RuleGroup{g}}, nil
}

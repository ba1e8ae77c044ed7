package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Nightly shows scheduled runs: which failed, how, and whether the way is new.
func Nightly() (dashboard.Dashboard, error) {
	b := newDashboard("ciradar-nightly", "CI Radar / Nightly failures",
		"Scheduled runs per repository and night, the commit each night ran and what changed before a first failing night, the jobs that failed with their error signatures, errors never seen before, and the most common errors.",
		"now-14d", "5m")
	b.add(24, 12, tablePanel("Repository × night", "Each cell is the conclusion of the repository's scheduled runs that night (UTC); the latest run wins when there are several.",
		target(Query{QueryType: "nightly_failures"}),
		byName("repo", repoLinks(""), cellProp(common.TableCellDisplayModeAuto), prop("custom.width", 220))).
		Mappings(stateMappings()).
		CellOptions(cellOptions(common.TableCellDisplayModeColorBackground)).
		Transformations([]dashboard.DataTransformerConfig{
			{Id: "convertFieldType", Options: map[string]any{"conversions": []map[string]any{
				{"targetField": "night", "destinationType": "string", "dateFormat": "MM-DD"}}, "fields": map[string]any{}}},
			{Id: "groupingToMatrix", Options: map[string]any{"columnField": "night", "rowField": "repo", "valueField": "conclusion", "emptyValue": "empty"}},
			{Id: "organize", Options: map[string]any{"renameByName": map[string]any{"repo\\night": "repo"}}},
		}))

	b.add(24, 10, tablePanel("Nights and their commits", "Every scheduled run, newest night first, with the commit it ran. On the first failing night after a passing one, compare_url lists what changed between the two nights' commits. Workflow cells open the run or its pipeline, commit cells the commit or the branch's commit grid.",
		target(Query{QueryType: "nightly_failures"}), nightlyLinks()...).
		WithTransformation(keep("night", "repo", "workflow", "head_branch", "conclusion", "commit", "compare_url", "failing_jobs",
			"run_id", "run_url", "commit_url", "repo_url", "forge")))

	b.add(24, 10, tablePanel("Failing nightly jobs", "Scheduled runs that did not succeed: the failed jobs and the error signatures they hit; new_signatures counts those first seen that night. compare_url, on the first failing night after a passing one, lists what changed. Workflow cells open the run.",
		target(Query{QueryType: "nightly_failures"}), append(nightlyLinks(),
			byName("new_signatures", cellProp(common.TableCellDisplayModeColorBackground),
				thresholdColor(), thresholdsProp(steps("transparent", 1, "red"))))...).
		WithTransformation(dashboard.DataTransformerConfig{Id: "filterByValue", Options: map[string]any{
			"type": "exclude", "match": "any",
			"filters": []map[string]any{{"fieldName": "conclusion", "config": map[string]any{"id": "equal", "options": map[string]any{"value": "success"}}}},
		}}))

	sigs := func(title, desc string, onlyNew bool) {
		b.add(12, 10, tablePanel(title, desc, target(Query{QueryType: "error_signatures", OnlyNew: &onlyNew, Limit: 20}),
			byName("signature_hash", hidden()), byName("text", prop("custom.width", 420),
				linkTo("Open a new GitHub issue for this error", "new_issue_url")),
			byName("issue_state", prop("displayName", "issue"), linkTo("Open the issue that tracks this error", "issue_url")),
			byName("issue_url", hidden()), byName("new_issue_url", hidden()), byName("top_repo", hidden())))
	}
	sigs("New errors", "Error signatures first seen within the range: failures that have never happened before. The issue column opens the GitHub issue that carries the signature's id; the error text opens a new one, filled in.", true)
	sigs("Most prevalent errors", "Error signatures by occurrences within the range, with when each was first and last seen and where. The issue column opens the GitHub issue that carries the signature's id; the error text opens a new one, filled in.", false)
	return b.build()
}

// nightlyLinks are the links of a table of nightly runs: the run (on its forge or its pipeline),
// the commit each night ran, the repository, and what changed since the last good night.
func nightlyLinks() []override {
	return []override{
		stateColors("conclusion"),
		byName("workflow", runLinks("run_url")),
		byName("commit", commitLinks("commit_url", "head_branch")),
		byName("compare_url", linkTo("What changed since the last good night", "compare_url")),
		byName("repo", repoLinks("repo_url")), byName("repo_url", hidden()),
		byName("run_id", hidden()), byName("run_url", hidden()), byName("commit_url", hidden()), byName("forge", hidden()),
	}
}

package dashboards

// Nightly shows scheduled runs: which failed, how, and whether the way is new.
func Nightly() *Dashboard {
	b := newDashboard("ciradar-nightly", "CI Radar / Nightly failures",
		"Scheduled runs per repository and night, the jobs that failed with their error signatures, errors never seen before, and the most common errors.",
		"now-14d", "5m")
	grid := b.add(24, 12, table("Repository × night", "Each cell is the conclusion of the repository's scheduled runs that night (UTC); the latest run wins when there are several.",
		target("nightly_failures", nil)))
	grid.FieldConfig.Defaults["mappings"] = stateColors("x").Properties[0].Value
	grid.FieldConfig.Defaults["custom"].(map[string]any)["cellOptions"] = map[string]any{"type": "color-background"}
	grid.FieldConfig.Overrides = []Override{byName("repo", repoLinks(),
		Property{ID: "custom.cellOptions", Value: map[string]any{"type": "auto"}}, Property{ID: "custom.width", Value: 220})}
	grid.Transformations = []map[string]any{
		{"id": "convertFieldType", "options": map[string]any{"conversions": []map[string]any{
			{"targetField": "night", "destinationType": "string", "dateFormat": "MM-DD"}}, "fields": map[string]any{}}},
		{"id": "groupingToMatrix", "options": map[string]any{"columnField": "night", "rowField": "repo", "valueField": "conclusion", "emptyValue": "empty"}},
		{"id": "organize", "options": map[string]any{"renameByName": map[string]any{"repo\\night": "repo"}}},
	}

	failing := b.add(24, 10, table("Failing nightly jobs", "Scheduled runs that did not succeed: the failed jobs and the error signatures they hit; new_signatures counts those first seen that night. Repository and workflow cells open the run.",
		target("nightly_failures", nil), stateColors("conclusion"),
		byName("workflow", linkTo("Open run on GitHub", "run_url")), byName("run_url", hidden()),
		byName("repo", repoLinks()),
		byName("new_signatures", Property{ID: "custom.cellOptions", Value: map[string]any{"type": "color-background"}},
			Property{ID: "color", Value: map[string]any{"mode": "thresholds"}}, Property{ID: "thresholds", Value: steps("transparent", 1, "red")})))
	failing.Transformations = []map[string]any{{"id": "filterByValue", "options": map[string]any{
		"type": "exclude", "match": "any",
		"filters": []map[string]any{{"fieldName": "conclusion", "config": map[string]any{"id": "equal", "options": map[string]any{"value": "success"}}}},
	}}}

	sigs := func(title, desc string, onlyNew bool) {
		b.add(12, 10, table(title, desc, target("error_signatures", map[string]any{"onlyNew": onlyNew, "limit": 20}),
			byName("signature_hash", hidden()), byName("text", Property{ID: "custom.width", Value: 420})))
	}
	sigs("New errors", "Error signatures first seen within the range: failures that have never happened before.", true)
	sigs("Most prevalent errors", "Error signatures by occurrences within the range, with when each was first and last seen and where.", false)
	return b.d
}

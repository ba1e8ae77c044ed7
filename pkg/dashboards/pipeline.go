package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Pipeline is one run, job by job: when each job was created, how long it waited for a
// runner and how long it ran, as bars on one time axis (the Gantt view of Buildkite's
// and CircleCI's pipeline pages), and the same as a table with links to the jobs.
func Pipeline() (dashboard.Dashboard, error) {
	b := newBoard("ciradar-pipeline", "CI Radar / Pipeline",
		"One workflow run's jobs: when each was created, its wait for a runner and its run time on one axis, and a table of the jobs with their results. Set run_id (links from the other dashboards do); empty shows the newest run the filters allow.",
		"now-7d", "30s", boardVars{runID: true})
	q := func() Query { return target(Query{QueryType: "pipeline", RunID: "$run_id"}) }

	b.add(6, 4, statPanel("Jobs", "Jobs of the run's latest attempt.", q(), "job_id", "count", "", steps("text")))
	b.add(6, 4, statPanel("Failed jobs", "Jobs of the run that failed or timed out.", q(), "conclusion", "count", "", steps("green", 1, "red")).
		NoValue("0").WithTransformation(onlyValues("conclusion", "failure", "timed_out", "startup_failure")))
	b.add(6, 4, statPanel("Longest wait for a runner", "The longest queue time of the run's jobs.", q(), "queue_seconds", "max", "s",
		steps("green", 300, "orange", 1800, "red")))
	b.add(6, 4, statPanel("Longest job", "The longest run time of the run's jobs.", q(), "duration_seconds", "max", "s", steps("blue")))

	b.add(24, 12, withOverrides(barchart.NewPanelBuilder().Title("Timeline").
		Description("Each job's bar starts when its forge created it (seconds since the run's first job); orange is the wait for a runner, blue the run time. Bars open the job.").
		WithTarget(q()).
		XField("job_name").Orientation(common.VizOrientationHorizontal).Stacking(common.StackingModeNormal).
		ShowValue(common.VisibilityModeNever).Unit("s").FillOpacity(80).
		ColorScheme(colorMode(dashboard.FieldColorModeIdPaletteClassic)).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom)).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderNone)).
		WithTransformation(keep("job_name", "start_offset_seconds", "queue_seconds", "duration_seconds", "job_url")),
		[]override{
			// The offset only places the bar: drawn in no colour, and in no legend.
			byName("start_offset_seconds", fixedColor("transparent"),
				prop("custom.hideFrom", map[string]any{"legend": true, "tooltip": false, "viz": false})),
			byName("queue_seconds", fixedColor("orange"), prop("displayName", "waiting for a runner")),
			byName("duration_seconds", fixedColor("blue"), prop("displayName", "running"), linkTo("Open job", "job_url")),
			byName("job_url", prop("custom.hideFrom", map[string]any{"legend": true, "tooltip": true, "viz": true})),
		}))

	jobs := []override{
		stateColors("status"), stateColors("conclusion"),
		byName("job_name", linkTo("Open job", "job_url")),
		byName("run_id", runLinks("run_url")),
		byName("repo", repoLinks("repo_url")), byName("repo_url", hidden()),
		byName("queue_seconds", prop("unit", "dtdurations")), byName("duration_seconds", prop("unit", "dtdurations")),
		byName("job_id", hidden()), byName("job_url", hidden()), byName("run_url", hidden()), byName("forge", hidden()),
		byName("start_offset_seconds", hidden()),
	}
	b.add(24, 12, tablePanel("Jobs", "The run's jobs in start order: result, wait and run time, runner and labels. Job cells open the job on its forge, run cells the run.",
		q(), append(jobs, failedStepColumn()...)...))
	return b.build()
}

// failedStepColumn names the step each failed job failed at (issue 16): "Failed at: Run
// tests" is the first thing a person triaging the run wants.
func failedStepColumn() []override {
	return []override{byName("failed_step", prop("displayName", "failed at"), prop("noValue", ""))}
}

// onlyValues keeps the rows whose field holds one of the values.
func onlyValues(field string, values ...string) dashboard.DataTransformerConfig {
	var fs []map[string]any
	for _, v := range values {
		fs = append(fs, map[string]any{"fieldName": field, "config": map[string]any{"id": "equal", "options": map[string]any{"value": v}}})
	}
	return dashboard.DataTransformerConfig{Id: "filterByValue", Options: map[string]any{"type": "include", "match": "any", "filters": fs}}
}

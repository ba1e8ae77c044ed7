package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/piechart"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Builds ranks repositories, workflows, jobs and labels, and trends build results.
func Builds() (dashboard.Dashboard, error) {
	b := newDashboard("ciradar-builds", "CI Radar / Repositories and builds",
		"Top repositories and workflows, the longest jobs and longest-waiting labels, build results per calendar week, month and year, builds per runner label and OS, manual against automatic runs, flaky jobs, the slowest steps and jobs that passed with warnings.",
		"now-30d", "5m")
	stats := func(dim, metric string) Query {
		return target(Query{QueryType: "repo_stats", Dimension: dim, Metric: metric, Limit: 10})
	}
	rate := byName("failure_rate", cellProp(common.TableCellDisplayModeColorText),
		thresholdsProp(steps("green", 0.1, "orange", 0.25, "red")),
		thresholdColor())
	b.add(12, 9, tablePanel("Top repositories", "Repositories by workflow runs, with jobs, failures, failure rate, runner minutes and p95 duration and queue time.",
		stats("repo", "runs"), byName("repo", repoLinks("repo_url")), byName("repo_url", hidden()), rate))
	b.add(12, 9, tablePanel("Most run workflows", "Workflows by runs across the selected repositories.", stats("workflow", "runs"), rate))
	b.add(12, 9, tablePanel("Longest jobs", "Jobs by 95th-percentile duration.", stats("job", "p95_duration"), rate))
	b.add(12, 9, tablePanel("Longest-waiting labels", "Runner label sets by 95th-percentile queue time.", stats("label", "p95_queue"), rate))

	results := func(title, desc, calendar string) *timeseries.PanelBuilder {
		return timeseriesPanel(title, desc, target(Query{QueryType: "build_results", SplitBy: "none", Calendar: calendar}), "short", true,
			byName("success", fixedColor("green")),
			byName("failure", fixedColor("red")),
			byName("timed_out", fixedColor("dark-red")),
			byName("cancelled", fixedColor("gray"))).
			WithTransformation(keep("time", "success", "failure", "timed_out", "cancelled"))
	}
	b.add(6, 9, results("Results per week", "Completed workflow runs per conclusion, per calendar week (Monday to Sunday, UTC).", "week"))
	b.add(6, 9, results("Results per month", "The same per calendar month over the last year.", "month").TimeFrom("365d"))
	b.add(6, 9, results("Results per year", "The same per calendar year, over the longest range a query may cover.", "year").TimeFrom("400d"))
	b.add(6, 9, withOverrides(piechart.NewPanelBuilder().Title("Success rate").
		Description("Share of completed runs by conclusion over the range; cancelled and skipped runs count neither way in the success rate.").
		WithTarget(target(Query{QueryType: "build_results", SplitBy: "none"})).
		ColorScheme(colorMode(dashboard.FieldColorModeIdPaletteClassic)).Unit("short").
		Orientation(common.VizOrientationAuto).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeSingle).Sort(common.SortOrderNone)).
		PieType(piechart.PieChartTypeDonut).DisplayLabels([]piechart.PieChartLabels{piechart.PieChartLabelsPercent}).
		Legend(piechart.NewPieChartLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).Values([]piechart.PieChartLegendValues{piechart.PieChartLegendValuesValue, piechart.PieChartLegendValuesPercent})).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"sum"}).
			Fields("/^(success|failure|timed_out|cancelled)$/").Values(false)),
		[]override{byName("success", fixedColor("green")), byName("failure", fixedColor("red"))}))

	trigger := func(title, desc, field, unit string, bars bool) {
		b.add(12, 8, timeseriesPanel(title, desc, target(Query{QueryType: "build_results", SplitBy: "trigger"}), unit, bars).
			WithTransformation(keep("time", field)).
			DisplayName("${__field.labels.trigger}").
			Interval("1d"))
	}
	trigger("Manual vs automatic: success rate", "Daily success rate of runs started by hand (workflow_dispatch) and by GitHub (every other event).",
		"success_rate", "percentunit", false)
	trigger("Manual vs automatic: failed runs", "Daily failed runs, manual against automatic.", "failure", "short", true)

	b.add(12, 10, tablePanel("Builds per runner label and OS", "Jobs completed in the range per runner label set, with the operating system its labels name, how they ended, the failure rate and the runner minutes.",
		target(Query{QueryType: "runner_builds"}), rate, byName("minutes", prop("unit", "m"))))
	b.add(12, 10, withOverrides(barchart.NewPanelBuilder().Title("Builds per OS and label").
		Description("The same as bars: passed, failed and cancelled jobs per runner label set.").
		WithTarget(target(Query{QueryType: "runner_builds"})).
		XField("label_key").Orientation(common.VizOrientationHorizontal).Stacking(common.StackingModeNormal).
		ShowValue(common.VisibilityModeAuto).Unit("short").FillOpacity(80).
		ColorScheme(colorMode(dashboard.FieldColorModeIdPaletteClassic)).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom)).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderNone)).
		WithTransformation(keep("label_key", "success", "failure", "cancelled")),
		[]override{byName("success", fixedColor("green")), byName("failure", fixedColor("red")), byName("cancelled", fixedColor("gray"))}))

	b.add(24, 9, tablePanel("Flaky jobs", "Jobs that failed and then passed on the same commit. Job cells open the failed attempt on its forge.",
		target(Query{QueryType: "flaky_jobs", Limit: 20}),
		byName("job_name", linkTo("Open the failed job", "failed_job_url")), byName("failed_job_url", hidden()),
		byName("repo", repoLinks("repo_url")), byName("repo_url", hidden())))
	addStepPanels(b)
	costRow(b)
	return b.build()
}

package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// row starts a row of panels: panels added after it sit under its title.
func (b *board) row(title string) {
	b.next++
	b.b.WithRow(dashboard.NewRowBuilder(title).Id(b.next))
}

// costRow is the Repositories dashboard's Cost row: CI Radar's estimate by GitHub's
// billing rules, GitHub's own billed figure beside it, where the money goes, and the
// runner labels no rate prices (they cost 0 and are listed, never dropped).
func costRow(b *board) {
	b.row("Cost")
	b.add(12, 8, timeseriesPanel("Estimated cost and GitHub's bill",
		"Per day: CI Radar's estimate (billable minutes at the data source's rates, list price) beside the gross amount of Actions minutes in GitHub's billing usage report, when the reconciler's token may read it. GitHub's net amount takes off included minutes and discounts.",
		target(Query{QueryType: "cost", View: "billed"}), "currencyUSD", true,
		byName("billed", fixedColor("orange")), byName("cost", fixedColor("blue"))).
		Interval("1d").
		WithTransformation(keep("time", "cost", "billed", "billed_net")))
	b.add(12, 8, timeseriesPanel("Billable minutes",
		"GitHub-hosted minutes GitHub bills (each job rounded up to the minute; standard runners in public repositories are free), and the minutes on runner labels no rate prices.",
		target(Query{QueryType: "cost", View: "over_time"}), "m", true,
		byName("unpriced_minutes", fixedColor("red"))).
		WithTransformation(keep("time", "billable_minutes", "unpriced_minutes")))
	top := func(dim string) Query {
		return target(Query{QueryType: "cost", Dimension: dim, Metric: "cost", Limit: 10})
	}
	b.add(6, 8, tablePanel("Cost per repository", "Estimated cost and billable minutes per repository.", top("repo"), byName("repo", repoLinks("repo_url")), byName("repo_url", hidden())))
	b.add(6, 8, tablePanel("Cost per workflow", "Estimated cost and billable minutes per workflow.", top("workflow")))
	// Every label set, not a top 10: one no rate prices costs 0 and would rank last, and
	// it must show here (unpriced_minutes, in red) for someone to add its rate.
	b.add(6, 8, tablePanel("Cost per runner label",
		"Estimated cost per runner label set, every one of them; self-hosted minutes are priced at the data source's self-hosted rate. Minutes in red are on labels no rate prices: they cost 0 until a rate is added (Configuration → Cost and runner demand).",
		target(Query{QueryType: "cost", Dimension: "label", Metric: "cost", Limit: 1000}),
		byName("unpriced_minutes", cellProp(common.TableCellDisplayModeColorText), thresholdsProp(steps("text", 0.5, "red")), thresholdColor())))
	b.add(6, 8, tablePanel("Cost per trigger", "Estimated cost per triggering event (push, pull_request, schedule, workflow_dispatch...).", top("event")))
}

// demandPanels answer on the Queues dashboard: are jobs waiting on our own runners, or on
// GitHub's? Peak jobs running and queued per runner type, with the configured limits.
func demandPanels(b *board) {
	b.add(16, 9, timeseriesPanel("Running and queued: GitHub-hosted vs self-hosted",
		"Peak jobs running and queued at once in each interval, per runner type. The dashed line is the concurrency limit (GitHub's plan limit for hosted runners, from the data source's settings): hosted jobs queue once running reaches it.",
		target(Query{QueryType: "concurrency", GroupBy: "type"}), "short", false,
		byName("limit", prop("custom.lineStyle", map[string]any{"fill": "dash", "dash": []int{10, 10}}), prop("custom.fillOpacity", 0))).
		DisplayName("${__field.labels.runner_type} ${__field.name}"))
	b.add(8, 9, bargaugePanel("Who are we waiting on?",
		"The most jobs queued at once over the range, per runner type: a high GitHub-hosted figure means the plan's concurrency limit, a high self-hosted one means too few runners of our own.",
		target(Query{QueryType: "concurrency", GroupBy: "type"}), "", "${__field.labels.runner_type}",
		steps("green", 5, "orange", 20, "red")).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"max"}).Fields("/^queued$/").Values(false)))
}

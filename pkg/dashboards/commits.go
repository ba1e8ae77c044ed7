package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Commits answers "is it broken, and since which commit?" the way PyTorch's HUD does: a
// branch's commits, newest first, against every workflow job, each cell the job's result.
func Commits() (dashboard.Dashboard, error) {
	b := newBoard("ciradar-commits", "CI Radar / Commits",
		"A branch's commits, newest first, one column per workflow job (matrix legs apart), each cell the result of the job's latest attempt on that commit. A failure right after a pass of the same job is marked first failure: the commit where it broke. Cells open the job, commit cells the commit.",
		"now-7d", "1m", boardVars{singleRepo: true, branch: true})
	b.add(24, 24, tablePanel("Commits × jobs", "Newest commit first. first failure marks the commit where a job that passed before started to fail; new_failures names those jobs. An empty cell: the job did not run on that commit.",
		target(Query{QueryType: "commit_grid", Repo: "$repo", Branch: "$branch", Limit: 100}),
		byName("commit", linkTo("Open commit", "commit_url"), prop("custom.width", 80), cellProp(common.TableCellDisplayModeAuto)),
		byName("time", prop("unit", "dateTimeFromNow"), prop("custom.width", 110), cellProp(common.TableCellDisplayModeAuto)),
		byName("title", prop("custom.width", 260), cellProp(common.TableCellDisplayModeAuto)),
		byName("new_failures", prop("custom.width", 180), cellProp(common.TableCellDisplayModeColorText), fixedColor("dark-red")),
		byName("commit_url", hidden()),
		// The job columns are named by the job (their display name), so they are matched by
		// what they are not: every other field is set above, or is a hidden link.
		override{regexp: true, field: `/_url$/`, props: []dashboard.DynamicConfigValue{hidden()}},
	).Mappings(gridMappings()).CellOptions(cellOptions(common.TableCellDisplayModeColorBackground)).
		Align(common.FieldTextAlignmentCenter).CellHeight(common.TableCellHeightSm))
	return b.build()
}

// gridMappings are the state colours, and the first failure darker with its own words.
func gridMappings() []dashboard.ValueMapping {
	m := stateMappings()
	m[0].ValueMap.Options["first_failure"] = dashboard.ValueMappingResult{Text: ptr("✖ first failure"), Color: ptr("dark-red"),
		Index: ptr(int32(len(stateNames)))}
	return m
}

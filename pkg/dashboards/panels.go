package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// stateNames are the job, run, runner and status-page states, each with its colour.
var stateNames = [][2]string{
	{"success", "green"}, {"failure", "red"}, {"timed_out", "red"}, {"startup_failure", "red"}, {"cancelled", "gray"},
	{"skipped", "gray"}, {"queued", "orange"}, {"waiting", "purple"}, {"in_progress", "blue"}, {"completed", "text"},
	{"busy", "blue"}, {"idle", "green"}, {"online", "green"}, {"offline", "red"},
	{"operational", "green"}, {"degraded_performance", "yellow"}, {"partial_outage", "orange"}, {"major_outage", "red"},
	{"under_maintenance", "blue"},
}

// stateMappings colours the states wherever a field holds them.
func stateMappings() []dashboard.ValueMapping {
	m := map[string]dashboard.ValueMappingResult{}
	for i, kv := range stateNames {
		m[kv[0]] = dashboard.ValueMappingResult{Color: ptr(kv[1]), Index: ptr(int32(i))}
	}
	return []dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{Type: dashboard.MappingTypeValueToText, Options: m}}}
}

// stateColors colours status and conclusion cells.
func stateColors(field string) override {
	return byName(field, prop("mappings", stateMappings()), cellProp(common.TableCellDisplayModeColorText))
}

func statPanel(title, desc string, q Query, field, calc, unit string, th *dashboard.ThresholdsConfigBuilder) *stat.PanelBuilder {
	p := stat.NewPanelBuilder().Title(title).Description(desc).WithTarget(q).
		ColorScheme(colorMode(dashboard.FieldColorModeIdThresholds)).Thresholds(th).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{calc}).Fields("/^" + field + "$/").Values(false)).
		ColorMode(common.BigValueColorModeBackground).GraphMode(common.BigValueGraphModeNone).
		TextMode(common.BigValueTextModeValue).JustifyMode(common.BigValueJustifyModeCenter).
		Orientation(common.VizOrientationAuto)
	if unit != "" {
		p.Unit(unit)
	}
	return p
}

func tablePanel(title, desc string, q Query, overrides ...override) *table.PanelBuilder {
	p := table.NewPanelBuilder().Title(title).Description(desc).WithTarget(q).
		ColorScheme(colorMode(dashboard.FieldColorModeIdPaletteClassic)).
		Align(common.FieldTextAlignmentAuto).Filterable(true).CellOptions(cellOptions(common.TableCellDisplayModeAuto)).
		ShowHeader(true).CellHeight(common.TableCellHeightSm).Footer(common.NewTableFooterOptionsBuilder().Show(false))
	return withOverrides(p, overrides)
}

// timeseriesPanel draws lines, or stacked bars when bars is set.
func timeseriesPanel(title, desc string, q Query, unit string, bars bool, overrides ...override) *timeseries.PanelBuilder {
	p := timeseries.NewPanelBuilder().Title(title).Description(desc).WithTarget(q).
		ColorScheme(colorMode(dashboard.FieldColorModeIdPaletteClassic)).
		DrawStyle(common.GraphDrawStyleLine).LineWidth(1).FillOpacity(10).ShowPoints(common.VisibilityModeNever).
		SpanNulls(common.BoolOrFloat64{Bool: ptr(false)}).
		Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNone)).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeTable).
			Placement(common.LegendPlacementRight).Calcs([]string{"max", "mean"})).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending))
	if unit != "" {
		p.Unit(unit)
	}
	if bars {
		p.DrawStyle(common.GraphDrawStyleBars).FillOpacity(80).
			Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal))
	}
	return withOverrides(p, overrides)
}

func bargaugePanel(title, desc string, q Query, unit, name string, th *dashboard.ThresholdsConfigBuilder) *bargauge.PanelBuilder {
	p := bargauge.NewPanelBuilder().Title(title).Description(desc).WithTarget(q).
		ColorScheme(colorMode(dashboard.FieldColorModeIdThresholds)).Thresholds(th).DisplayName(name).
		Orientation(common.VizOrientationHorizontal).DisplayMode(common.BarGaugeDisplayModeGradient).ShowUnfilled(true).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Fields("").Values(false))
	if unit != "" {
		p.Unit(unit)
	}
	return p
}

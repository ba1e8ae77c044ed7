package dashboards

import (
	"errors"
	"fmt"
	"github.com/grafana/grafana-foundation-sdk/go/table"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// board is a dashboard under construction. The SDK's builder lays panels out left to
// right on Grafana's 24-column grid and wraps when a row is full; board numbers the
// panels and points every query at the data source variable.
type board struct {
	b    *dashboard.DashboardBuilder
	uid  string
	next uint32
	errs []error
}

func newDashboard(uid, title, description, from, refresh string) *board {
	return newBoard(uid, title, description, from, refresh, boardVars{})
}

// boardVars are a dashboard's variables beyond the shared ones.
type boardVars struct {
	singleRepo bool // repo is one repository, not a list: the repository and commit views
	branch     bool // a branch of that repository
	runID      bool // the pipeline's run
}

func newBoard(uid, title, description, from, refresh string, vars boardVars) *board {
	b := dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{"ciradar"}).
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Refresh(refresh).
		Time(from, "now").
		Timezone("utc").
		Version(1).
		// Grafana compares it with an imported copy's to offer an update on the data
		// source's Dashboards tab: raise it when a dashboard changes.
		Revision(1).
		// Every CI Radar dashboard is tagged ciradar, so one tag link reaches all the others,
		// carrying the time range and the variables along.
		Link(dashboard.NewDashboardLinkBuilder("CI Radar").
			Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{"ciradar"}).
			AsDropdown(false).
			IncludeVars(true).
			KeepTime(true).
			TargetBlank(false))
	b.WithVariable(datasourceVariable())
	for _, v := range variables(vars) {
		b.WithVariable(v)
	}
	b.Annotation(dashboard.NewAnnotationQueryBuilder().
		Name("Annotations & Alerts").
		Datasource(common.DataSourceRef{Type: ptr("grafana"), Uid: ptr("-- Grafana --")}).
		Enable(true).Hide(true).IconColor("rgba(0, 211, 255, 1)").BuiltIn(1).Type("dashboard"))
	b.Annotation(dashboard.NewAnnotationQueryBuilder().
		Name("Failed runs on default branches").
		Datasource(ciradar).
		Enable(true).Hide(false).IconColor("red").
		Target(Query{RefID: "Anno", Datasource: &ciradar, QueryType: "annotations", Source: "failed_runs", Filters: filters()}))
	b.Annotation(dashboard.NewAnnotationQueryBuilder().
		Name("GitHub incidents").
		Datasource(ciradar).
		Enable(true).Hide(false).IconColor("orange").
		Target(Query{RefID: "Anno", Datasource: &ciradar, QueryType: "annotations", Source: "incidents"}))
	return &board{b: b, uid: uid}
}

// add places p, w columns wide and h rows high, numbers it, and gives it and its queries
// the data source variable and refIds.
func (b *board) add(w, h uint32, p cog.Builder[dashboard.Panel]) {
	panel, err := p.Build()
	if err != nil {
		b.errs = append(b.errs, err)
		return
	}
	b.next++
	id := b.next
	panel.Id = &id
	// x and y stay 0: the SDK's builder places the panel after the previous one.
	panel.GridPos = &dashboard.GridPos{W: w, H: h}
	ref := ciradar
	panel.Datasource = &ref
	for i, t := range panel.Targets {
		q, ok := t.(Query)
		if !ok {
			b.errs = append(b.errs, fmt.Errorf("panel %q: target %d is a %T, not a CI Radar query", *panel.Title, i, t))
			continue
		}
		q.RefID = string(rune('A' + i))
		q.Datasource = &ref
		panel.Targets[i] = q
	}
	b.b.WithPanel(built[dashboard.Panel]{panel})
}

// build finishes the dashboard.
func (b *board) build() (dashboard.Dashboard, error) {
	d, err := b.b.Build()
	if err := errors.Join(append(b.errs, err)...); err != nil {
		return dashboard.Dashboard{}, fmt.Errorf("build dashboard %s: %w", b.uid, err)
	}
	// The SDK's builders put every link and annotation toggle in the controls menu, and
	// have no way to ask for Grafana's default, the bar above the panels: unset it here.
	for i := range d.Links {
		d.Links[i].Placement = nil
	}
	for i := range d.Annotations.List {
		d.Annotations.List[i].Placement = nil
	}
	return d, nil
}

// built hands a finished resource back to an SDK builder.
type built[T any] struct{ v T }

func (b built[T]) Build() (T, error) { return b.v, nil }

func ptr[T any](v T) *T { return &v }

// override is a field override: the properties apply to the fields a matcher picks.
type override struct {
	regexp bool // match the pattern, not the field's own name
	field  string
	props  []dashboard.DynamicConfigValue
}

// overridable is every SDK panel builder: each has its own type with the same methods.
type overridable[T any] interface {
	OverrideByName(name string, properties []dashboard.DynamicConfigValue) T
	OverrideByRegexp(regexp string, properties []dashboard.DynamicConfigValue) T
}

func withOverrides[T overridable[T]](p T, os []override) T {
	for _, o := range os {
		if o.regexp {
			p = p.OverrideByRegexp(o.field, o.props)
		} else {
			p = p.OverrideByName(o.field, o.props)
		}
	}
	return p
}

// byName is an override on the field called name, whatever labels it carries.
func byName(name string, props ...dashboard.DynamicConfigValue) override {
	return override{field: name, props: props}
}

func prop(id string, value any) dashboard.DynamicConfigValue {
	return dashboard.DynamicConfigValue{Id: id, Value: value}
}

// steps is a threshold list: base colour, then value, colour pairs.
func steps(base string, pairs ...any) *dashboard.ThresholdsConfigBuilder {
	s := []dashboard.Threshold{{Color: base}}
	for i := 0; i+1 < len(pairs); i += 2 {
		var v float64
		switch n := pairs[i].(type) {
		case int:
			v = float64(n)
		case float64:
			v = n
		}
		s = append(s, dashboard.Threshold{Value: &v, Color: pairs[i+1].(string)})
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(s)
}

func thresholdsProp(t *dashboard.ThresholdsConfigBuilder) dashboard.DynamicConfigValue {
	c, _ := t.Build()
	return prop("thresholds", c)
}

func colorMode(mode dashboard.FieldColorModeId) *dashboard.FieldColorBuilder {
	return dashboard.NewFieldColorBuilder().Mode(mode)
}

// thresholdColor is the override property that colours values by the thresholds.
func thresholdColor() dashboard.DynamicConfigValue {
	c, _ := colorMode(dashboard.FieldColorModeIdThresholds).Build()
	return prop("color", c)
}

// fixedColor is the override property that paints a series one colour.
func fixedColor(color string) dashboard.DynamicConfigValue {
	c, _ := colorMode(dashboard.FieldColorModeIdFixed).FixedColor(color).Build()
	return prop("color", c)
}

func cellOptions(mode common.TableCellDisplayMode) common.TableCellOptions {
	switch mode {
	case common.TableCellDisplayModeColorText:
		return common.TableCellOptions{TableColorTextCellOptions: &common.TableColorTextCellOptions{Type: mode}}
	case common.TableCellDisplayModeColorBackground:
		return common.TableCellOptions{TableColoredBackgroundCellOptions: &common.TableColoredBackgroundCellOptions{Type: mode}}
	}
	return common.TableCellOptions{TableAutoCellOptions: &common.TableAutoCellOptions{Type: common.TableCellDisplayModeAuto}}
}

func cellProp(mode common.TableCellDisplayMode) dashboard.DynamicConfigValue {
	return prop("custom.cellOptions", cellOptions(mode))
}

// linkTo makes the cells of a field link to the URL in another field of the same row.
func linkTo(title, urlField string) dashboard.DynamicConfigValue {
	return prop("links", []map[string]any{{"title": title, "url": fmt.Sprintf("${__data.fields.%s}", urlField), "targetBlank": true}})
}

// hidden hides a table column that is still there for links.
func hidden() dashboard.DynamicConfigValue { return prop("custom.hidden", true) }

// activeJobsPanel is every queued, waiting and running job, oldest first, with no row
// cap: the job an "oldest queued" alert is about is always on it. The backend's order is
// kept (no sort in the panel).
func activeJobsPanel(h uint32) (uint32, uint32, *table.PanelBuilder) {
	return 24, h, tablePanel("Active jobs", "Every job queued, waiting for approval or running now, oldest first, however many. Age, queue and run times are seconds so far; job and workflow cells open the job and its run on their forge.",
		target(Query{QueryType: "active_jobs"}),
		stateColors("status"),
		byName("age", prop("unit", "dtdurations")), byName("queue_seconds", prop("unit", "dtdurations")),
		byName("run_seconds", prop("unit", "dtdurations")),
		byName("job_name", linkTo("Open job", "job_url")),
		byName("workflow", runLinks("run_url")),
		byName("repo", repoLinks("repo_url")), byName("repo_url", hidden()),
		byName("job_id", hidden()), byName("run_id", hidden()), byName("created_at", hidden()),
		byName("job_url", hidden()), byName("run_url", hidden()), byName("forge", hidden()))
}

// repoLinks makes a repository cell open it on its forge (the row's urlField, which the
// query builds from the row's own forge and instance: GitHub, or a GitLab project on its
// instance), its Repository dashboard, or narrow the dashboards to it. Without a urlField
// (a panel whose transformation keeps no such column) the forge link is left out.
func repoLinks(urlField string) dashboard.DynamicConfigValue {
	var links []map[string]any
	if urlField != "" {
		links = append(links, map[string]any{"title": "Open ${__value.raw}", "url": fmt.Sprintf("${__data.fields.%s}", urlField), "targetBlank": true})
	}
	return prop("links", append(links, []map[string]any{
		{"title": "Repository dashboard of ${__value.raw}", "url": "/d/ciradar-repo?var-repo=${__value.raw}&${__url_time_range}"},
		{"title": "Commits on main of ${__value.raw}", "url": "/d/ciradar-commits?var-repo=${__value.raw}&var-branch=main&${__url_time_range}"},
		{"title": "Show only ${__value.raw}", "url": "/d/ciradar-overview?var-repo=${__value.raw}&${__url_time_range}"},
	}...))
}

// runLinks makes a cell that names a run open it on its forge (the row's urlField) or on the
// Pipeline dashboard (the row's run_id and forge: a run id is only unique within a forge).
func runLinks(urlField string) dashboard.DynamicConfigValue {
	return prop("links", []map[string]any{
		{"title": "Open run", "url": fmt.Sprintf("${__data.fields.%s}", urlField), "targetBlank": true},
		{"title": "Pipeline of this run", "url": "/d/ciradar-pipeline?var-run_id=${__data.fields.run_id}&var-forge=${__data.fields.forge}&${__url_time_range}"},
	})
}

// commitLinks makes a cell that names a commit open it on its forge (the row's urlField), or
// the Commits dashboard of the row's repository and branchField.
func commitLinks(urlField, branchField string) dashboard.DynamicConfigValue {
	return prop("links", []map[string]any{
		{"title": "Open commit", "url": fmt.Sprintf("${__data.fields.%s}", urlField), "targetBlank": true},
		{"title": "Commits of this branch", "url": fmt.Sprintf("/d/ciradar-commits?var-repo=${__data.fields.repo}&var-branch=${__data.fields.%s}&${__url_time_range}", branchField)},
	})
}

// keep is the filterFieldsByName transformation: it matches fields by their own name,
// whatever labels they carry.
func keep(names ...string) dashboard.DataTransformerConfig {
	return dashboard.DataTransformerConfig{Id: "filterFieldsByName",
		Options: map[string]any{"include": map[string]any{"names": names}}}
}

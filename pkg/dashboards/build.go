package dashboards

import "fmt"

// builder lays panels out left to right on Grafana's 24-column grid, wrapping to a new
// row when a panel does not fit, and numbers them.
type builder struct {
	d          *Dashboard
	x, y, rowH int
}

func newDashboard(uid, title, description, from, refresh string) *builder {
	d := &Dashboard{
		UID: uid, Title: title, Description: description, Tags: []string{"ciradar"},
		Editable: true, GraphTooltip: 1, Refresh: refresh, SchemaVersion: 41,
		Time: TimeRange{From: from, To: "now"}, Timezone: "utc", Version: 1,
		// Every CI Radar dashboard is tagged ciradar, so one tag link reaches all the others,
		// carrying the time range and the variables along.
		Links: []Link{{Title: "CI Radar", Type: "dashboards", Tags: []string{"ciradar"}, AsDropdown: false,
			IncludeVars: true, KeepTime: true}},
		Templating: Templating{List: variables()},
		Annotations: Annotations{List: []*Annotation{
			{Name: "Annotations & Alerts", Datasource: &Ref{Type: "grafana", UID: "-- Grafana --"}, Enable: true,
				Hide: true, IconColor: "rgba(0, 211, 255, 1)", BuiltIn: 1, Type: "dashboard"},
			{Name: "Failed runs on default branches", Datasource: ciradar, Enable: true, IconColor: "red",
				Target: map[string]any{"refId": "Anno", "queryType": "annotations", "source": "failed_runs", "filters": filters()}},
			{Name: "GitHub incidents", Datasource: ciradar, Enable: true, IconColor: "orange",
				Target: map[string]any{"refId": "Anno", "queryType": "annotations", "source": "incidents"}},
		}},
	}
	return &builder{d: d}
}

// add places p with width w and height h, and gives its targets refIds and the data source.
func (b *builder) add(w, h int, p *Panel) *Panel {
	if b.x+w > 24 {
		b.x, b.y, b.rowH = 0, b.y+b.rowH, 0
	}
	p.ID = len(b.d.Panels) + 1
	p.GridPos = GridPos{H: h, W: w, X: b.x, Y: b.y}
	p.Datasource = ciradar
	for i, t := range p.Targets {
		t["refId"] = string(rune('A' + i))
		t["datasource"] = ciradar
	}
	b.x += w
	b.rowH = max(b.rowH, h)
	b.d.Panels = append(b.d.Panels, p)
	return p
}

// variables are the template variables every dashboard shares. Org has no list of its
// own: it is the owner part of the repositories, which Grafana's regex capture extracts
// and de-duplicates. "*" as the all value reaches the backend as "no filter".
func variables() []*Variable {
	v := func(name, label, list, regex string, query map[string]any) *Variable {
		query["refId"] = "Var-" + name
		query["name"] = list
		return &Variable{Name: name, Label: label, Type: "query", Datasource: ciradar, Query: query,
			Definition: "CI Radar " + list, Regex: regex, Refresh: 2, Sort: 1, Multi: true, IncludeAll: true,
			AllValue: "*", Current: map[string]any{"text": []string{"All"}, "value": []string{"$__all"}},
			Options: []any{}}
	}
	return []*Variable{
		v("org", "Organisation", "repos", `/^([^/]+)\//`, map[string]any{}),
		v("repo", "Repository", "repos", "", map[string]any{"org": "$org"}),
		v("workflow", "Workflow", "workflows", "", map[string]any{"org": "$org", "repo": "$repo"}),
		v("label", "Runner labels", "labels", "", map[string]any{"org": "$org", "repo": "$repo"}),
	}
}

// filters applies every dashboard variable; the backend ignores a filter a query type has
// no use for.
func filters() map[string]any {
	return map[string]any{"orgs": []string{"$org"}, "repos": []string{"$repo"},
		"workflows": []string{"$workflow"}, "labels": []string{"$label"}}
}

// runnerFilters leaves out the workflow: runners have none.
func runnerFilters() map[string]any {
	f := filters()
	delete(f, "workflows")
	return f
}

// target is a CI Radar query with the shared filters.
func target(queryType string, fields map[string]any) map[string]any {
	t := map[string]any{"queryType": queryType, "filters": filters()}
	for k, v := range fields {
		t[k] = v
	}
	return t
}

func defaults(unit string) map[string]any {
	d := map[string]any{"color": map[string]any{"mode": "palette-classic"}}
	if unit != "" {
		d["unit"] = unit
	}
	return d
}

// steps is a threshold list: base colour, then [value, colour] pairs.
func steps(base string, pairs ...any) map[string]any {
	s := []map[string]any{{"color": base, "value": nil}}
	for i := 0; i+1 < len(pairs); i += 2 {
		s = append(s, map[string]any{"value": pairs[i], "color": pairs[i+1]})
	}
	return map[string]any{"mode": "absolute", "steps": s}
}

// keep is the filterFieldsByName transformation: it matches fields by their own name,
// whatever labels they carry.
func keep(names ...string) map[string]any {
	return map[string]any{"id": "filterFieldsByName", "options": map[string]any{"include": map[string]any{"names": names}}}
}

// byName is an override on the field called name.
func byName(name string, props ...Property) Override {
	return Override{Matcher: Matcher{ID: "byName", Options: name}, Properties: props}
}

// linkTo makes the cells of a field link to the URL in another field of the same row.
func linkTo(title, urlField string) Property {
	return Property{ID: "links", Value: []map[string]any{{"title": title, "url": fmt.Sprintf("${__data.fields.%s}", urlField), "targetBlank": true}}}
}

// hidden hides a table column that is still there for links.
func hidden() Property { return Property{ID: "custom.hidden", Value: true} }

func displayName(s string) Property { return Property{ID: "displayName", Value: s} }

// repoLinks makes a repository cell open it on GitHub, or narrow the dashboards to it.
func repoLinks() Property {
	return Property{ID: "links", Value: []map[string]any{
		{"title": "Open ${__value.raw} on GitHub", "url": "https://github.com/${__value.raw}", "targetBlank": true},
		{"title": "Show only ${__value.raw}", "url": "/d/ciradar-overview?var-repo=${__value.raw}&${__url_time_range}"},
	}}
}

// stateColors colours status and conclusion cells.
func stateColors(field string) Override {
	m := map[string]any{}
	for i, kv := range [][2]string{
		{"success", "green"}, {"failure", "red"}, {"timed_out", "red"}, {"startup_failure", "red"}, {"cancelled", "gray"},
		{"skipped", "gray"}, {"queued", "orange"}, {"waiting", "purple"}, {"in_progress", "blue"}, {"completed", "text"},
		{"busy", "blue"}, {"idle", "green"}, {"online", "green"}, {"offline", "red"},
		{"operational", "green"}, {"degraded_performance", "yellow"}, {"partial_outage", "orange"}, {"major_outage", "red"},
		{"under_maintenance", "blue"},
	} {
		m[kv[0]] = map[string]any{"color": kv[1], "index": i}
	}
	return byName(field,
		Property{ID: "mappings", Value: []map[string]any{{"type": "value", "options": m}}},
		Property{ID: "custom.cellOptions", Value: map[string]any{"type": "color-text"}})
}

func stat(title, desc string, t map[string]any, field, calc, unit string, th map[string]any) *Panel {
	d := defaults(unit)
	d["color"] = map[string]any{"mode": "thresholds"}
	d["thresholds"] = th
	return &Panel{Type: "stat", Title: title, Description: desc, Targets: []map[string]any{t},
		FieldConfig: FieldConfig{Defaults: d, Overrides: []Override{}},
		Options: map[string]any{"reduceOptions": map[string]any{"calcs": []string{calc}, "fields": "/^" + field + "$/", "values": false},
			"colorMode": "background", "graphMode": "none", "textMode": "value", "justifyMode": "center"}}
}

func table(title, desc string, t map[string]any, overrides ...Override) *Panel {
	d := defaults("")
	d["custom"] = map[string]any{"align": "auto", "filterable": true, "cellOptions": map[string]any{"type": "auto"}}
	return &Panel{Type: "table", Title: title, Description: desc, Targets: []map[string]any{t},
		FieldConfig: FieldConfig{Defaults: d, Overrides: append([]Override{}, overrides...)},
		Options:     map[string]any{"showHeader": true, "cellHeight": "sm", "footer": map[string]any{"show": false}}}
}

// timeseries draws lines, or stacked bars when bars is set.
func timeseries(title, desc string, t map[string]any, unit string, bars bool, overrides ...Override) *Panel {
	d := defaults(unit)
	custom := map[string]any{"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
		"spanNulls": false, "stacking": map[string]any{"mode": "none"}}
	if bars {
		custom["drawStyle"], custom["fillOpacity"] = "bars", 80
		custom["stacking"] = map[string]any{"mode": "normal"}
	}
	d["custom"] = custom
	return &Panel{Type: "timeseries", Title: title, Description: desc, Targets: []map[string]any{t},
		FieldConfig: FieldConfig{Defaults: d, Overrides: append([]Override{}, overrides...)},
		Options: map[string]any{"legend": map[string]any{"displayMode": "table", "placement": "right", "calcs": []string{"max", "mean"}},
			"tooltip": map[string]any{"mode": "multi", "sort": "desc"}}}
}

func bargauge(title, desc string, t map[string]any, unit, name string, th map[string]any) *Panel {
	d := defaults(unit)
	d["color"] = map[string]any{"mode": "thresholds"}
	d["thresholds"] = th
	d["displayName"] = name
	return &Panel{Type: "bargauge", Title: title, Description: desc, Targets: []map[string]any{t},
		FieldConfig: FieldConfig{Defaults: d, Overrides: []Override{}},
		Options: map[string]any{"orientation": "horizontal", "displayMode": "gradient", "showUnfilled": true,
			"reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false}}}
}

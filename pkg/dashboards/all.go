package dashboards

//go:generate go test -run TestGolden -update

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// GrafanaVersion is the oldest Grafana the dashboards are built and tested for: the
// version docker compose runs and src/plugin.json's grafanaDependency names.
const GrafanaVersion = "13.1.0"

// All builds every provisioned dashboard, in the order the docs describe them.
func All() ([]dashboard.Dashboard, error) {
	var out []dashboard.Dashboard
	for _, build := range []func() (dashboard.Dashboard, error){Overview, Queues, Builds, Nightly, Status, Org, Repo, Commits, Pipeline} {
		d, err := build()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// FileName is where a dashboard lives under dashboards/: its uid without "ciradar-".
func FileName(d dashboard.Dashboard) string { return (*d.Uid)[len("ciradar-"):] + ".json" }

// Input is an entry of a dashboard's __inputs: what Grafana's Import screen asks for.
type Input struct {
	Name        string `json:"name"`
	Label       string `json:"label"`
	Description string `json:"description"`
	Type        string `json:"type"`
	PluginID    string `json:"pluginId"`
	PluginName  string `json:"pluginName"`
}

// Require is an entry of __requires: what the Import screen checks is installed.
type Require struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// File is a dashboard as the committed file holds it: the SDK's dashboard with the
// __inputs and __requires of Grafana's "export for sharing externally", which the SDK's
// dashboard type does not have.
type File struct {
	Inputs   []Input   `json:"__inputs"`
	Requires []Require `json:"__requires"`
	dashboard.Dashboard
}

// panelNames are the core panel plugins' names, as Grafana's export writes them.
var panelNames = map[string]string{
	"barchart": "Bar chart", "bargauge": "Bar gauge", "piechart": "Pie chart", "stat": "Stat", "table": "Table", "timeseries": "Time series",
}

// inputName is the data source input; the Import screen shows a picker of CI Radar data
// sources for it.
const inputName = "DS_CIRADAR"

// NewFile wraps d for export.
func NewFile(d dashboard.Dashboard) File {
	panels := map[string]bool{}
	for _, p := range d.Panels {
		if p.Panel != nil {
			panels[p.Panel.Type] = true
		}
	}
	reqs := []Require{
		{Type: "grafana", ID: "grafana", Name: "Grafana", Version: GrafanaVersion},
		{Type: "datasource", ID: PluginID, Name: DatasourceName, Version: ""},
	}
	var types []string
	for t := range panels {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		reqs = append(reqs, Require{Type: "panel", ID: t, Name: panelNames[t], Version: ""})
	}
	return File{
		Inputs: []Input{{Name: inputName, Label: DatasourceName, Type: "datasource", PluginID: PluginID, PluginName: DatasourceName,
			Description: "The CI Radar data source the dashboard's data source variable starts on."}},
		Requires:  reqs,
		Dashboard: d,
	}
}

// Marshal renders v (a File or a RulesFile) as the committed file holds it: indented, a
// final newline, HTML left unescaped.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return buf.Bytes(), nil
}

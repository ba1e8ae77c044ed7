package dashboards

import (
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"testing"
)

// TestPluginJSON holds src/plugin.json to the dashboards and to what is tested: the id
// the dashboards and provisioning use, an include per dashboard (the data source's
// Dashboards tab), and a grafanaDependency that starts at the Grafana docker compose runs.
func TestPluginJSON(t *testing.T) {
	var p struct {
		ID       string `json:"id"`
		Includes []struct {
			Type string `json:"type"`
			Name string `json:"name"`
			Path string `json:"path"`
		} `json:"includes"`
		Dependencies struct {
			GrafanaDependency string `json:"grafanaDependency"`
		} `json:"dependencies"`
	}
	b, err := os.ReadFile("../../src/plugin.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	included := map[string]string{}
	for _, inc := range p.Includes {
		if inc.Type == "dashboard" {
			included[inc.Path] = inc.Name
		}
	}
	tests := []struct {
		name      string
		got, want string
	}{
		{name: "id", got: p.ID, want: PluginID},
		{name: "grafanaDependency", got: p.Dependencies.GrafanaDependency, want: ">=" + GrafanaVersion},
		{name: "as many dashboard includes as dashboards", got: strconv.Itoa(len(included)), want: strconv.Itoa(len(all))},
	}
	for _, d := range all {
		tests = append(tests, struct {
			name      string
			got, want string
		}{name: "include " + FileName(d), got: included["dashboards/"+FileName(d)], want: *d.Title})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

// grafanaImage is the Grafana docker compose runs, the one the plugin is tested with: an
// image tag, or a GRAFANA_VERSION build argument or variable that names one.
var grafanaImage = regexp.MustCompile(`(?:grafana/grafana(?:-oss)?:|GRAFANA_VERSION(?:=|:-|: *)"?)(\d+)\.(\d+)\.\d+`)

// TestGrafanaVersionIsTheComposeOne: grafanaDependency names the minor version compose
// runs, no older one.
func TestGrafanaVersionIsTheComposeOne(t *testing.T) {
	var found []string
	for _, f := range []string{"../../docker-compose.yml", "../../Dockerfile"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, m := range grafanaImage.FindAllStringSubmatch(string(b), -1) {
			found = append(found, m[1]+"."+m[2]+".0")
		}
	}
	if len(found) == 0 {
		t.Fatal("no grafana/grafana image in docker-compose.yml or Dockerfile")
	}
	for _, v := range found {
		if v != GrafanaVersion {
			t.Errorf("compose runs Grafana %s, the plugin states >=%s", v, GrafanaVersion)
		}
	}
}

// TestPanelNamesKnown: __requires names every panel type the dashboards use.
func TestPanelNamesKnown(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		for _, r := range NewFile(d).Requires {
			if r.Name == "" {
				t.Errorf("%s: __requires has %s %s without a name", *d.Uid, r.Type, r.ID)
			}
		}
	}
}

func TestGrafanaImagePattern(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{name: "compose image", text: "    image: grafana/grafana:13.1.1\n", want: "13.1"},
		{name: "oss image", text: "FROM grafana/grafana-oss:12.4.0 AS grafana", want: "12.4"},
		{name: "build argument", text: "ARG GRAFANA_VERSION=13.1.1\n", want: "13.1"},
		{name: "compose variable default", text: "image: grafana/grafana:${GRAFANA_VERSION:-13.2.0}", want: "13.2"},
		{name: "no version", text: "image: grafana/grafana:latest", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if m := grafanaImage.FindStringSubmatch(tc.text); m != nil {
				got = m[1] + "." + m[2]
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

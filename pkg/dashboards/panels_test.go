package dashboards

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// TestProvisioned seeds one store with the simulator (the slow part) and holds every
// provisioned dashboard and alert rule to it.
func TestProvisioned(t *testing.T) {
	began := time.Now()
	s := seed(t)
	t.Run("dashboards", func(t *testing.T) { dashboardsAnswer(t, s) })
	t.Run("alert rules", func(t *testing.T) { alertRulesAnswer(t, s) })
	t.Run("links on GitHub Enterprise Server", func(t *testing.T) { linksOnEnterpriseServer(t, s) })
	// Last: it lets the world run on, which changes what the store holds.
	t.Run("alert rules fire and resolve", func(t *testing.T) { alertRulesFireAndResolve(t, s) })
	t.Logf("whole test took %s", time.Since(began).Round(time.Millisecond))
}

// dashboardsAnswer loads every provisioned dashboard and runs every panel's query, every
// annotation and every template variable through the plugin against the seeded store.
// Each must use the provisioned data source, name a query type the plugin knows, and come
// back without error and with rows; the fields that panels configure by name must exist in
// the answer.
func dashboardsAnswer(t *testing.T, s seeded) {
	files, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards in %s: %v", dashboardsDir, err)
	}
	uids := map[string]bool{}
	for _, file := range files {
		var d Dashboard
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		uids[d.UID] = true
		t.Run(d.UID, func(t *testing.T) {
			checkLinks(t, &d)
			checkDatasourceVariable(t, &d, DatasourceUID)
			dash, err := rangeOf(d.Time.From, d.Time.To, s.now)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range d.Templating.List {
				checkVariable(t, s, v)
			}
			vars := variableValues(t, s, &d)
			for _, a := range d.Annotations.List {
				if a.Target == nil {
					continue
				}
				t.Run("annotation "+a.Name, func(t *testing.T) {
					checkRef(t, a.Datasource)
					if _, err := run(s.ds, a.Target, dash, time.Minute, false); err != nil && !strings.Contains(a.Name, "incident") {
						t.Error(err)
					}
				})
			}
			for _, p := range d.Panels {
				if p.Type == "row" {
					continue // a row only titles the panels under it
				}
				t.Run(p.Title, func(t *testing.T) { checkPanel(t, s, p, dash, vars) })
			}
		})
	}
	for _, want := range []string{"ciradar-overview", "ciradar-queues", "ciradar-builds", "ciradar-nightly", "ciradar-status",
		"ciradar-org", "ciradar-repo", "ciradar-commits", "ciradar-pipeline"} {
		if !uids[want] {
			t.Errorf("dashboard %s is missing", want)
		}
	}
}

func rangeOf(from, to string, now time.Time) (span, error) {
	f, err := relative(from, now)
	if err != nil {
		return span{}, err
	}
	e, err := relative(to, now)
	return span{f, e}, err
}

// dsVar is how every query names its data source: the dashboard's datasource variable.
const dsVar = "${datasource}"

func checkRef(t *testing.T, r *Ref) {
	t.Helper()
	if r == nil || r.UID != dsVar || r.Type != PluginID {
		t.Errorf("data source %+v, want the variable %s of type %s", r, dsVar, PluginID)
	}
}

// checkDatasourceVariable: the variable every query names lists this plugin's data
// sources and starts on the provisioned one; the Import screen asks for a CI Radar data
// source through __inputs.
func checkDatasourceVariable(t *testing.T, d *Dashboard, provisioned string) {
	t.Helper()
	var v *Variable
	for _, x := range d.Templating.List {
		if x.Name == "datasource" {
			v = x
		}
	}
	if v == nil {
		t.Fatal("no datasource variable")
	}
	if v.Type != "datasource" || v.Query != PluginID {
		t.Errorf("datasource variable is a %s of %v, want a datasource variable of %s", v.Type, v.Query, PluginID)
	}
	if v.Current["value"] != provisioned {
		t.Errorf("datasource variable starts on %v, want the provisioned uid %s", v.Current["value"], provisioned)
	}
	if len(d.Inputs) != 1 || d.Inputs[0].Type != "datasource" || d.Inputs[0].PluginID != PluginID {
		t.Errorf("__inputs %+v, want one data source input of %s", d.Inputs, PluginID)
	}
}

// checkLinks: every dashboard reaches the others through the ciradar tag.
func checkLinks(t *testing.T, d *Dashboard) {
	t.Helper()
	tagged := false
	for _, tag := range d.Tags {
		tagged = tagged || tag == "ciradar"
	}
	linked := false
	for _, l := range d.Links {
		linked = linked || (l.Type == "dashboards" && len(l.Tags) == 1 && l.Tags[0] == "ciradar")
	}
	if !tagged || !linked {
		t.Errorf("dashboard must be tagged ciradar (%v) and link the dashboards tagged ciradar (%v)", tagged, linked)
	}
}

func checkVariable(t *testing.T, s seeded, v *Variable) {
	if v.Type == "datasource" || v.Type == "textbox" {
		return
	}
	t.Run("variable "+v.Name, func(t *testing.T) {
		checkRef(t, v.Datasource)
		q, _ := v.Query.(map[string]any)
		name, _ := q["name"].(string)
		var c captured
		err := s.ds.CallResource(context.Background(), &backend.CallResourceRequest{Method: "GET",
			Path: "variables/" + name, URL: "variables/" + name}, &c)
		if err != nil || c.resp == nil || c.resp.Status != 200 {
			t.Fatalf("variables/%s: %v %+v", name, err, c.resp)
		}
		var vals []string
		if err := json.Unmarshal(c.resp.Body, &vals); err != nil || len(vals) == 0 {
			t.Fatalf("variables/%s: %s", name, c.resp.Body)
		}
		if v.Regex != "" {
			re := regexp.MustCompile(strings.TrimSuffix(strings.TrimPrefix(v.Regex, "/"), "/"))
			if m := re.FindStringSubmatch(vals[0]); len(m) < 2 || m[1] == "" {
				t.Errorf("regex %s captures nothing from %q", v.Regex, vals[0])
			}
		}
	})
}

type captured struct{ resp *backend.CallResourceResponse }

func (c *captured) Send(r *backend.CallResourceResponse) error { c.resp = r; return nil }

func checkPanel(t *testing.T, s seeded, p *Panel, dash span, vars map[string]string) {
	checkRef(t, p.Datasource)
	if len(p.Targets) == 0 {
		t.Fatal("panel has no query")
	}
	r := dash
	if p.TimeFrom != "" {
		from, err := relative(p.TimeFrom, s.now)
		if err != nil {
			t.Fatal(err)
		}
		r.from = from
	}
	iv, err := interval(r, p.Interval)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, tg := range p.Targets {
		ref, _ := tg["datasource"].(map[string]any)
		if ref["uid"] != dsVar || ref["type"] != PluginID {
			t.Errorf("target data source %v, want %s", ref, dsVar)
		}
		if qt, _ := tg["queryType"].(string); qt == "" {
			t.Errorf("target %v has no queryType", tg["refId"])
		}
		frames, err := runWith(s.ds, tg, r, iv, false, vars)
		if err != nil {
			t.Errorf("query %v (%v): %v", tg["refId"], tg["queryType"], err)
			continue
		}
		for n, filled := range fieldNames(frames) {
			names[n] = names[n] || filled
		}
	}
	if len(names) == 0 {
		return
	}
	for _, n := range fieldRefs(p) {
		filled, ok := names[n]
		switch {
		case !ok:
			t.Errorf("the panel configures field %q, which the answer lacks (it has %v)", n, keys(names))
		case !filled && mayBeEmpty[n] == "":
			t.Errorf("the panel configures field %q, which is empty in every row although the seeded world has data for it", n)
		}
	}
}

// mayBeEmpty are the fields a panel may name that the seeded world leaves empty in every
// row, each with the reason. Every other field a panel names must hold a value somewhere:
// a column the seeded world cannot fill is a column no user sees filled either.
var mayBeEmpty = map[string]string{
	"jobs": "ingest_health's jobs closed by CI Radar: the simulator reports every job within GitHub's limits, so nothing expires in eight days",
}

// fieldRefs lists the field names a panel's options, overrides and transformations name.
func fieldRefs(p *Panel) []string {
	var out []string
	if ro, ok := p.Options["reduceOptions"].(map[string]any); ok {
		if f, _ := ro["fields"].(string); strings.HasPrefix(f, "/^") {
			inner := strings.TrimSuffix(strings.TrimPrefix(f, "/^"), "$/")
			out = append(out, strings.Split(strings.Trim(inner, "()"), "|")...)
		}
	}
	for _, o := range p.FieldConfig.Overrides {
		if name, ok := o.Matcher.Options.(string); ok && o.Matcher.ID == "byName" {
			out = append(out, name)
		}
	}
	for _, tr := range p.Transformations {
		opts, _ := tr["options"].(map[string]any)
		switch tr["id"] {
		case "filterFieldsByName":
			inc, _ := opts["include"].(map[string]any)
			names, _ := inc["names"].([]any)
			for _, n := range names {
				out = append(out, n.(string))
			}
			// Later transformations and overrides refer to what the matrix made.
			return out
		case "groupingToMatrix":
			for _, k := range []string{"columnField", "rowField", "valueField"} {
				out = append(out, opts[k].(string))
			}
			return out
		case "filterByValue":
			fs, _ := opts["filters"].([]any)
			for _, f := range fs {
				out = append(out, f.(map[string]any)["fieldName"].(string))
			}
		case "convertFieldType":
			cs, _ := opts["conversions"].([]any)
			for _, c := range cs {
				out = append(out, c.(map[string]any)["targetField"].(string))
			}
		}
	}
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

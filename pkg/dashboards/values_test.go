package dashboards

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// runToOpen is the run a user reaches the Pipeline dashboard with: the first run the
// Organisation dashboard links, a failing default branch's. (Without one the dashboard
// shows the newest run, which in the seeded world's last minutes is still running.)
func runToOpen(t *testing.T, s seeded, d *Dashboard) string {
	t.Helper()
	r, err := rangeOf(d.Time.From, d.Time.To, s.now)
	if err != nil {
		t.Fatal(err)
	}
	frames, err := run(s.ds, map[string]any{"refId": "A", "queryType": "org_overview"}, r, time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if fl, _ := f.FieldByName("run_id"); fl != nil {
			for i := 0; i < fl.Len(); i++ {
				if v, ok := fl.ConcreteAt(i); ok {
					return fmt.Sprint(v)
				}
			}
		}
	}
	t.Fatal("org_overview links no run")
	return ""
}

// variableValues picks a value for each variable that takes exactly one, as Grafana does
// on load: the variable's current value when its list has it, else the list's first; a
// text box stays empty. Variables narrowed by the repository are listed for the one picked.
func variableValues(t *testing.T, s seeded, d *Dashboard) map[string]string {
	t.Helper()
	vals := map[string]string{}
	for _, v := range d.Templating.List {
		switch {
		case v.Type == "textbox" && v.Name == "run_id":
			vals[v.Name] = runToOpen(t, s, d)
		case v.Type == "textbox":
			vals[v.Name] = ""
		case v.Type == "query" && !v.Multi && !v.IncludeAll:
			q, _ := v.Query.(map[string]any)
			name, _ := q["name"].(string)
			path := "variables/" + name
			if q["repo"] != nil && vals["repo"] != "" {
				path += "?repo=" + url.QueryEscape(vals["repo"])
			}
			var c captured
			if err := s.ds.CallResource(context.Background(), &backend.CallResourceRequest{Method: "GET", Path: "variables/" + name, URL: path}, &c); err != nil || c.resp.Status != 200 {
				t.Fatalf("%s: %v %+v", path, err, c.resp)
			}
			var list []string
			if err := json.Unmarshal(c.resp.Body, &list); err != nil || len(list) == 0 {
				t.Fatalf("%s: %s", path, c.resp.Body)
			}
			vals[v.Name] = list[0]
			if cur, _ := v.Current["value"].(string); cur != "" && slices.Contains(list, cur) {
				vals[v.Name] = cur
			}
		}
	}
	return vals
}

package dashboards

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// ghesBase is the web address of the GitHub Enterprise Server the links test configures.
const ghesBase = "https://ghe.example.com"

// linksOnEnterpriseServer runs every provisioned dashboard against a data source set up
// for GitHub Enterprise Server (jsonData.githubWebURL) over the seeded store, and resolves
// every data link of every panel, the panels' own and those the answers carry, on the rows
// of the answer as Grafana does. Each link must resolve on some row; an absolute one must
// start with the configured base (the seeded payloads all name github.com), a relative one
// must open a provisioned dashboard.
func linksOnEnterpriseServer(t *testing.T, s seeded) {
	ghes := seeded{ds: datasource(t, s.dbURL, s.statusURL, map[string]any{"githubWebURL": ghesBase + "/"}), now: s.now}
	files, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	ds := make([]*Dashboard, len(files))
	uids := map[string]bool{}
	for i, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		ds[i] = &Dashboard{}
		if err := json.Unmarshal(b, ds[i]); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		uids[ds[i].UID] = true
	}
	checked := 0
	for _, d := range ds {
		t.Run(d.UID, func(t *testing.T) {
			vars := variableValues(t, ghes, d)
			if vars["github_url"] != ghesBase {
				t.Fatalf("github_url is %q, want the configured %s without its trailing slash", vars["github_url"], ghesBase)
			}
			dash, err := rangeOf(d.Time.From, d.Time.To, s.now)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range d.Panels {
				t.Run(p.Title, func(t *testing.T) {
					r := dash
					if p.TimeFrom != "" {
						if r.from, err = relative(p.TimeFrom, s.now); err != nil {
							t.Fatal(err)
						}
					}
					iv, err := interval(r, p.Interval)
					if err != nil {
						t.Fatal(err)
					}
					var frames data.Frames
					for _, tg := range p.Targets {
						f, err := runWith(ghes.ds, tg, r, iv, false, vars)
						if err != nil {
							t.Fatalf("query %v: %v", tg["queryType"], err)
						}
						frames = append(frames, f...)
					}
					for _, l := range panelLinks(p, frames) {
						url, ok := resolveLink(l, frames, vars)
						if !ok && l.fromAnswer {
							// The answer's own link on a field without a value in any row
							// (no pull request for a queued job): Grafana shows no link.
							continue
						}
						if !ok {
							t.Errorf("link %q on %s resolves on no row", l.url, l.field)
							continue
						}
						checked++
						checkLink(t, l, url, uids)
					}
				})
			}
		})
	}
	t.Logf("%d links resolved and checked", checked)
	if checked < 50 {
		t.Errorf("only %d links checked: the dashboards lost their links, or the test its way to them", checked)
	}
}

// fieldLink is a data link and the field it is on ("" for a panel link); fromAnswer says
// the answer's field config carries it rather than the panel.
type fieldLink struct {
	field, url string
	fromAnswer bool
}

// panelLinks are the panel's own links (its link list, and the links property of each
// override by name) and those the answer's fields carry.
func panelLinks(p *Panel, frames data.Frames) []fieldLink {
	var out []fieldLink
	for _, l := range p.Links {
		if u, _ := l["url"].(string); u != "" {
			out = append(out, fieldLink{url: u})
		}
	}
	for _, o := range p.FieldConfig.Overrides {
		name, _ := o.Matcher.Options.(string)
		if o.Matcher.ID != "byName" {
			continue
		}
		for _, pr := range o.Properties {
			if pr.ID != "links" {
				continue
			}
			ls, _ := pr.Value.([]any)
			for _, l := range ls {
				if u, _ := l.(map[string]any)["url"].(string); u != "" {
					out = append(out, fieldLink{field: name, url: u})
				}
			}
		}
	}
	seen := map[fieldLink]bool{}
	for _, f := range frames {
		for _, fl := range f.Fields {
			if fl.Config == nil {
				continue
			}
			for _, l := range fl.Config.Links {
				if fk := (fieldLink{field: fl.Name, url: l.URL, fromAnswer: true}); !seen[fk] {
					seen[fk] = true
					out = append(out, fk)
				}
			}
		}
	}
	return out
}

var linkVar = regexp.MustCompile(`\$\{([^}]+)\}`)

// resolveLink fills a link's variables from the first row where every one has a value:
// the cell's own value, other fields of the row, dashboard variables, the time range.
func resolveLink(l fieldLink, frames data.Frames, vars map[string]string) (string, bool) {
	for _, f := range frames {
		for row := 0; row < f.Rows(); row++ {
			ok := true
			url := linkVar.ReplaceAllStringFunc(l.url, func(m string) string {
				name := linkVar.FindStringSubmatch(m)[1]
				switch {
				case name == "__url_time_range":
					return "from=now-7d&to=now"
				case name == "__value.raw":
					name = "__data.fields." + l.field
				case strings.HasSuffix(name, ":raw"):
					name = strings.TrimSuffix(name, ":raw")
				}
				if field, isField := strings.CutPrefix(name, "__data.fields."); isField {
					v, found := cell(f, field, row)
					ok = ok && found
					return v
				}
				v, found := vars[name]
				ok = ok && found && v != ""
				return v
			})
			if ok {
				return url, true
			}
		}
	}
	return "", false
}

func cell(f *data.Frame, field string, row int) (string, bool) {
	fl, _ := f.FieldByName(field)
	if fl == nil {
		return "", false
	}
	v, ok := fl.ConcreteAt(row)
	if !ok || v == "" {
		return "", false
	}
	return fmt.Sprint(v), true
}

// statusPageLink is an address on Statuspage, which serves githubstatus.com's incidents.
var statusPageLink = regexp.MustCompile(`^https://(stspg\.io|www\.githubstatus\.com)/`)

func checkLink(t *testing.T, l fieldLink, url string, uids map[string]bool) {
	t.Helper()
	switch {
	case statusPageLink.MatchString(url):
		// The status page's incidents: GitHub's status page, not a GitHub server.
	case strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://"):
		if !strings.HasPrefix(url, ghesBase+"/") {
			t.Errorf("link on %s goes to %s, not to the configured %s", l.field, url, ghesBase)
		}
	case strings.HasPrefix(url, "/d/"):
		uid, _, _ := strings.Cut(strings.TrimPrefix(url, "/d/"), "?")
		if !uids[uid] {
			t.Errorf("link on %s opens %s: no dashboard has uid %q", l.field, url, uid)
		}
	default:
		t.Errorf("link on %s is neither a GitHub address nor a dashboard: %s", l.field, url)
	}
}

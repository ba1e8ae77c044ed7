package dashboards

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const provisioningDir = "../../provisioning"

type datasourceFile struct {
	APIVersion  int                  `yaml:"apiVersion"`
	Datasources []provisionedDatasrc `yaml:"datasources"`
}

type provisionedDatasrc struct {
	Name           string            `yaml:"name"`
	Type           string            `yaml:"type"`
	UID            string            `yaml:"uid"`
	JSONData       map[string]any    `yaml:"jsonData"`
	SecureJSONData map[string]string `yaml:"secureJsonData"`
}

type rulesFile struct {
	APIVersion int `yaml:"apiVersion"`
	Groups     []struct {
		Name     string `yaml:"name"`
		Folder   string `yaml:"folder"`
		Interval string `yaml:"interval"`
		Rules    []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	UID         string            `yaml:"uid"`
	Title       string            `yaml:"title"`
	Condition   string            `yaml:"condition"`
	Data        []ruleQuery       `yaml:"data"`
	NoDataState string            `yaml:"noDataState"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type ruleQuery struct {
	RefID             string `yaml:"refId"`
	RelativeTimeRange struct {
		From int64 `yaml:"from"`
		To   int64 `yaml:"to"`
	} `yaml:"relativeTimeRange"`
	DatasourceUID string         `yaml:"datasourceUid"`
	Model         map[string]any `yaml:"model"`
}

// envRef is Grafana's environment interpolation in provisioning files: $VAR, ${VAR} and
// $__env{VAR}.
var envRef = regexp.MustCompile(`\$__env\{([A-Za-z0-9_]+)\}|\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

func interpolate(s string, env map[string]string) string {
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		sub := envRef.FindStringSubmatch(m)
		return env[sub[1]+sub[2]+sub[3]]
	})
}

func interpolateAll(v any, env map[string]string) any {
	switch x := v.(type) {
	case string:
		return interpolate(x, env)
	case map[string]any:
		for k, e := range x {
			x[k] = interpolateAll(e, env)
		}
	case []any:
		for i, e := range x {
			x[i] = interpolateAll(e, env)
		}
	}
	return v
}

// loadDatasource reads the one provisioned data source as Grafana would, env interpolated.
func loadDatasource(t *testing.T, env map[string]string) provisionedDatasrc {
	t.Helper()
	var f datasourceFile
	readYAML(t, provisioningDir+"/datasources/ciradar.yaml", &f)
	if len(f.Datasources) != 1 {
		t.Fatalf("want one provisioned data source, got %d", len(f.Datasources))
	}
	d := f.Datasources[0]
	if d.UID != DatasourceUID || d.Type != PluginID {
		t.Fatalf("provisioned data source is %s/%s, want %s/%s", d.Type, d.UID, PluginID, DatasourceUID)
	}
	if d.SecureJSONData["password"] != "${CIRADAR_READER_PASSWORD}" {
		t.Errorf("the password must come from the environment, got %q", d.SecureJSONData["password"])
	}
	interpolateAll(d.JSONData, env)
	for k, v := range d.SecureJSONData {
		d.SecureJSONData[k] = interpolate(v, env)
	}
	return d
}

func loadRules(t *testing.T) []rule {
	t.Helper()
	var f rulesFile
	// JSON is YAML: Grafana reads rule files of either kind with its YAML decoder.
	readYAML(t, rulesPath, &f)
	var out []rule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	if len(out) == 0 {
		t.Fatal("no alert rules provisioned")
	}
	return out
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestAlertFolderIsNotTheDashboardFolder: Grafana finds or creates the alert rules'
// folder by title, and the dashboard provider makes its own; with one title for both it
// can end up with two folders of that name.
func TestAlertFolderIsNotTheDashboardFolder(t *testing.T) {
	var providers struct {
		Providers []struct {
			Folder    string `yaml:"folder"`
			FolderUID string `yaml:"folderUid"`
		} `yaml:"providers"`
	}
	readYAML(t, provisioningDir+"/dashboards/ciradar.yaml", &providers)
	var rules rulesFile
	readYAML(t, rulesPath, &rules)
	if len(providers.Providers) == 0 || len(rules.Groups) == 0 {
		t.Fatalf("want a dashboard provider and a rule group, got %d and %d", len(providers.Providers), len(rules.Groups))
	}
	for _, p := range providers.Providers {
		for _, g := range rules.Groups {
			if strings.EqualFold(strings.TrimSpace(g.Folder), strings.TrimSpace(p.Folder)) || g.Folder == p.FolderUID {
				t.Errorf("rule group %q is in folder %q, which the dashboard provider (%q, uid %q) uses too", g.Name, g.Folder, p.Folder, p.FolderUID)
			}
		}
	}
}

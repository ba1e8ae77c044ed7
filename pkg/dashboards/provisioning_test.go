package dashboards

import (
	"os"
	"regexp"
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
	if d.UID != DatasourceUID || d.Type != DatasourceType {
		t.Fatalf("provisioned data source is %s/%s, want %s/%s", d.Type, d.UID, DatasourceType, DatasourceUID)
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
	readYAML(t, provisioningDir+"/alerting/ciradar.yaml", &f)
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

package dashboards

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite dashboards/*.json, provisioning/alerting/ciradar.json and provisioning/notifications/*.json from the Go that builds them")

// dashboardsDir is the repository's dashboards/ folder, which Grafana provisions and the
// plugin archive carries.
const dashboardsDir = "../../dashboards"

// rulesPath is the provisioned alert rules file.
const rulesPath = provisioningDir + "/alerting/ciradar.json"

// notificationsPath is a notification template: outside provisioning/alerting, so that
// Grafana does not load it unless the deployment puts it there (docs/alerts.md).
func notificationsPath(variant string) string {
	return provisioningDir + "/notifications/" + variant + ".json"
}

// TestGolden holds dashboards/*.json and the alert rules file to what the generator
// builds; -update rewrites them.
func TestGolden(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, d := range all {
		name := FileName(d)
		want[name] = true
		t.Run(name, func(t *testing.T) { golden(t, filepath.Join(dashboardsDir, name), NewFile(d)) })
	}
	files, _ := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	for _, f := range files {
		if !want[filepath.Base(f)] {
			t.Errorf("%s is built by no code in pkg/dashboards", f)
		}
	}
	t.Run("alert rules", func(t *testing.T) {
		rules, err := Alerts()
		if err != nil {
			t.Fatal(err)
		}
		golden(t, rulesPath, rules)
	})
	for name, v := range NotificationVariants {
		t.Run("notifications "+name, func(t *testing.T) {
			f, err := Notifications(v[0], v[1])
			if err != nil {
				t.Fatal(err)
			}
			golden(t, notificationsPath(name), f)
		})
	}
}

func golden(t *testing.T, path string, v any) {
	t.Helper()
	b, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/dashboards -run TestGolden -update)", err)
	}
	if !bytes.Equal(got, b) {
		t.Errorf("%s differs from what the code builds: run go test ./pkg/dashboards -run TestGolden -update", path)
	}
}

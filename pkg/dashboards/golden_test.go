package dashboards

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite dashboards/*.json from the Go that builds them")

// dashboardsDir is the repository's dashboards/ folder, which Grafana provisions.
const dashboardsDir = "../../dashboards"

// TestGolden holds dashboards/*.json to what All builds; -update rewrites them.
func TestGolden(t *testing.T) {
	want := map[string]bool{}
	for _, d := range All() {
		name := FileName(d)
		want[name] = true
		t.Run(name, func(t *testing.T) {
			b, err := Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dashboardsDir, name)
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
		})
	}
	files, _ := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	for _, f := range files {
		if !want[filepath.Base(f)] {
			t.Errorf("%s is built by no code in pkg/dashboards", f)
		}
	}
}

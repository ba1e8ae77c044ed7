package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Nothing runs Docker here, so the Dockerfile and docker-compose.yml are held to the rest of
// the repository by reading them: the versions they build with are the ones the repository
// states, every file they copy exists, and compose builds every image it runs from this
// checkout (no host build step, no dist/ mounted from the host).
func TestDockerBuildMatchesTheRepository(t *testing.T) {
	root := "../../.."
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	dockerfile := read("Dockerfile")
	arg := func(name string) string {
		m := regexp.MustCompile(`(?m)^ARG ` + name + `=(\S+)$`).FindStringSubmatch(dockerfile)
		if m == nil {
			t.Fatalf("Dockerfile has no ARG %s", name)
		}
		return m[1]
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal([]byte(read("package.json")), &pkg); err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(read("go.mod"))
	cases := []struct{ name, got, want string }{
		{"Go is go.mod's", arg("GO_VERSION"), goVersion[1]},
		{"Node's major is .nvmrc's", strings.Split(arg("NODE_VERSION"), ".")[0], strings.TrimSpace(read(".nvmrc"))},
		{"Grafana is the one the frontend builds against", arg("GRAFANA_VERSION"), pkg.Dependencies["@grafana/data"]},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: Dockerfile has %q, want %q", c.name, c.got, c.want)
		}
	}

	stages := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^FROM \S+ AS (\S+)$`).FindAllStringSubmatch(dockerfile, -1) {
		stages[m[1]] = true
	}
	// The commands CI runs (.ci/run, Magefile): npm ci, npm run build, mage's plugin target.
	for _, want := range []string{"RUN npm ci ", "RUN npm run build\n", "go tool mage plugin ciradar\n"} {
		if !strings.Contains(dockerfile, want) {
			t.Errorf("the Dockerfile does not run %q", strings.TrimSpace(want))
		}
	}
	// The frontend build copies the dashboards src/plugin.json includes from the checkout
	// into dist/, so the frontend stage must have them (the build fails without them).
	frontend := dockerfile[strings.Index(dockerfile, " AS frontend"):]
	frontend = frontend[:strings.Index(frontend, "\nFROM ")]
	var plugin struct {
		Includes []struct{ Type, Path string }
	}
	if err := json.Unmarshal([]byte(read("src/plugin.json")), &plugin); err != nil {
		t.Fatal(err)
	}
	for _, inc := range plugin.Includes {
		if dir, _, _ := strings.Cut(inc.Path, "/"); inc.Type == "dashboard" && !strings.Contains(frontend, "COPY "+dir+" ") {
			t.Errorf("the frontend stage does not copy %s/, which the build needs for the include %s", dir, inc.Path)
		}
	}

	ignored := strings.Fields(read(".dockerignore"))
	for _, m := range regexp.MustCompile(`(?m)^COPY ((?:\S+ )+)\S+$`).FindAllStringSubmatch(dockerfile, -1) {
		for _, src := range strings.Fields(m[1]) {
			if strings.HasPrefix(src, "--from=") {
				break
			}
			if _, err := os.Stat(filepath.Join(root, src)); err != nil {
				t.Errorf("the Dockerfile copies %s, which does not exist", src)
			}
			for _, ig := range ignored {
				if strings.Trim(src, "/") == strings.Trim(ig, "/") {
					t.Errorf("the Dockerfile copies %s, which .dockerignore leaves out", src)
				}
			}
		}
	}

	var compose struct {
		Services map[string]struct {
			Image   string                   `yaml:"image"`
			Build   *struct{ Target string } `yaml:"build"`
			Volumes []string                 `yaml:"volumes"`
		}
	}
	if err := yaml.Unmarshal([]byte(read("docker-compose.yml")), &compose); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"receiver", "simulator", "grafana"} {
		s := compose.Services[name]
		if s.Build == nil || !stages[s.Build.Target] {
			t.Errorf("compose service %s is not built from a Dockerfile stage (build %+v)", name, s.Build)
		}
	}
	if s := compose.Services["grafana"]; s.Build == nil || s.Build.Target != "grafana" {
		t.Errorf("compose's grafana is not the Dockerfile's grafana stage, which holds the plugin")
	}
	for name, s := range compose.Services {
		for _, v := range s.Volumes {
			if strings.HasPrefix(v, "./dist") {
				t.Errorf("compose service %s mounts %s from the host: a fresh clone has no dist/", name, v)
			}
		}
	}
}

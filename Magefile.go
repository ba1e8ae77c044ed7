//go:build mage

// Magefile holds CI Radar's build and test targets. Run them with the module's pinned mage:
//
//	go tool mage -l        list targets
//	go tool mage test      every test: Go (vet + tests) and frontend (typecheck, lint, jest, build)
//	go tool mage plugin    gpx_ciradar for this machine's platform, into dist/
//	go tool mage release   every platform, then the plugin archive, bin/ciradar-ciradar-datasource-<version>.zip
//	go tool mage validate  the archive through Grafana's plugin validator, offline
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"

	"github.com/ciradar/ciradar/pkg/release"

	// The SDK's targets (sdk:build:linux, sdk:buildAll, ...) under their own namespace, so
	// that its Test and Clean do not shadow ours.
	// mage:import sdk
	build "github.com/grafana/grafana-plugin-sdk-go/build"
)

// Test runs every test of the repository: the README's test command and what CI runs. On a
// fresh clone it installs the frontend's dependencies first, so that a missing node_modules
// stops nothing after the Go suite has run.
func Test() {
	mg.SerialDeps(npmDeps, TestGo, TestFrontend)
}

// npmDeps runs `npm ci` when node_modules is missing (a fresh clone); an existing one is
// kept as it is, as `npm ci` would delete and reinstall it.
func npmDeps() error {
	if _, err := os.Stat("node_modules"); err == nil {
		return nil
	}
	fmt.Println("node_modules is missing: npm ci (Node 20+)")
	if err := sh.RunV("npm", "ci", "--no-audit", "--no-fund"); err != nil {
		return fmt.Errorf("npm ci: %w", err)
	}
	return nil
}

// TestGo vets and tests every Go package against real Postgres clusters the tests start.
func TestGo() error {
	if err := sh.RunV("go", "vet", "./..."); err != nil {
		return err
	}
	// -count=1: some tests build and run binaries (gpx_ciradar, ciradar) whose sources the
	// test cache cannot see, so a cached pass could be stale.
	return sh.RunV("go", "test", "-count=1", "-timeout", "15m", "./...")
}

// TestFrontend typechecks, lints, tests and builds the frontend.
func TestFrontend() error {
	mg.Deps(npmDeps)
	for _, script := range []string{"typecheck", "lint", "test:ci", "build"} {
		if err := sh.RunV("npm", "run", "--silent", script); err != nil {
			return fmt.Errorf("npm run %s: %w", script, err)
		}
	}
	return nil
}

// Plugin builds gpx_ciradar for this machine's platform only, into dist/, with the SDK's
// build (executable name and plugin id from src/plugin.json): what a local Grafana or the
// demo needs, in a sixth of the time of every platform (Release builds those).
func Plugin() {
	mg.Deps(build.Build.Backend)
}

// PluginAll builds gpx_ciradar for every platform Grafana runs on, into dist/.
func PluginAll() {
	mg.Deps(build.BuildAll)
}

// Ciradar builds the receiver/CLI into bin/ciradar, stamped with the version and commit
// that `ciradar version` prints.
func Ciradar() error {
	return sh.RunV("go", "build", "-trimpath", "-ldflags", "-s -w "+stampFlags(), "-o", "bin/ciradar", "./pkg/cmd/ciradar")
}

// The version package both binaries report their build from (`ciradar version`, and
// gpx_ciradar's start-up log line and health details).
const versionPkg = "github.com/ciradar/ciradar/pkg/version"

func init() {
	// Every SDK build of gpx_ciradar (Plugin, PluginAll, sdk:build:*) gets the same stamp as
	// the ciradar binary. The SDK itself stamps package.json's version into its build info
	// (what `gpx_ciradar -version` prints), but has no field for the commit.
	build.SetBeforeBuildCallback(func(cfg build.Config) (build.Config, error) {
		if cfg.CustomVars == nil {
			cfg.CustomVars = map[string]string{}
		}
		v, c := buildStamp()
		cfg.CustomVars[versionPkg+".Version"] = v
		cfg.CustomVars[versionPkg+".Commit"] = c
		return cfg, nil
	})
}

// buildStamp is the version (package.json's, the one the plugin archive carries) and the
// commit: CIRADAR_COMMIT when set (the Docker build has no .git), else git's HEAD.
func buildStamp() (version, commit string) {
	version = "dev"
	if b, err := os.ReadFile("package.json"); err == nil {
		var pkg struct{ Version string }
		if json.Unmarshal(b, &pkg) == nil && pkg.Version != "" {
			version = pkg.Version
		}
	}
	commit = os.Getenv("CIRADAR_COMMIT")
	if commit == "" {
		if out, err := sh.Output("git", "rev-parse", "--short=12", "HEAD"); err == nil {
			commit = out
		}
	}
	return version, commit
}

// stampFlags are the -X linker flags for the version package.
func stampFlags() string {
	v, c := buildStamp()
	return fmt.Sprintf("-X %s.Version=%s -X %s.Commit=%s", versionPkg, v, versionPkg, c)
}

// TestPlugin runs the data source's tests: query types (golden files; refresh them with
// `go test ./pkg/query -update`), the SDK seam, the status page client, and the plugin-host
// test that starts gpx_ciradar over gRPC as Grafana does.
func TestPlugin() error {
	return sh.RunV("go", "test", "./pkg/query/...", "./pkg/plugin/...", "./pkg/status/...")
}

// Frontend builds the frontend into dist/ (module.js, plugin.json stamped, img/, README.md).
func Frontend() error {
	mg.Deps(npmDeps)
	return sh.RunV("npm", "run", "--silent", "build")
}

// Release builds the frontend and gpx_ciradar for every platform, then packages dist/ as
// Grafana installs plugins: bin/ciradar-ciradar-datasource-<version>.zip, whose top-level directory
// is ciradar-ciradar-datasource/, with bin/ciradar-ciradar-datasource-<version>.zip.sha256 next to it.
func Release() error {
	mg.SerialDeps(Frontend, PluginAll)
	zip, files, err := release.Package("dist", "bin", time.Now())
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d files\n  %s\n", zip, len(files), strings.Join(files, "\n  "))
	return nil
}

// validatorVersion is the plugin validator release the offline checks are pinned to.
const validatorVersion = "v0.39.3"

// allowedWarnings are the validator's warnings the archive keeps, each explained in
// docs/plugin.md. Any other warning fails Validate.
var allowedWarnings = []string{
	"unsigned-plugin", // signing needs a grafana.com account and token
	"screenshots",     // no screenshot yet: it needs a running Grafana and a browser
}

// Validate builds the frontend and gpx_ciradar for this platform only, packages them as
// bin/validate/<id>-<version>.zip (the release archive but for the other platforms'
// executables, which no offline analyzer needs and which take a quarter of an hour to
// build), and runs the analyzers of Grafana's plugin validator that need no network on it,
// one by one, with pkg/release/plugincheck built against the validator at validatorVersion
// in a throwaway module (never in our go.mod). It fails on any error and on any warning
// not in allowedWarnings. CI runs it.
func Validate() error {
	mg.SerialDeps(Frontend, build.Build{}.Backend)
	zip, _, err := release.PackageFor("dist", filepath.Join("bin", "validate"), time.Now(), []string{release.Current()})
	if err != nil {
		return err
	}
	checker, schema, err := buildPluginCheck()
	if err != nil {
		return err
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	return sh.RunV(checker, "-source", wd, "-schema", schema, "-allow", strings.Join(allowedWarnings, ","), zip)
}

// buildPluginCheck builds pkg/release/plugincheck in a module of its own under the user's
// cache directory (kept, so that later builds are quick) and returns the executable and the
// validator module's copy of plugin.schema.json.
func buildPluginCheck() (checker, schema string, err error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", "", err
	}
	dir := filepath.Join(cache, "ciradar", "plugincheck-"+validatorVersion)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	src, err := os.ReadFile(filepath.Join("pkg", "release", "plugincheck", "main.go"))
	if err != nil {
		return "", "", err
	}
	// Without its ignore build tag, so that `go mod tidy` sees what it imports.
	src = []byte(strings.Replace(string(src), "//go:build ignore\n", "", 1))
	if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
		return "", "", err
	}
	goIn := func(args ...string) (string, error) {
		cmd := append([]string{"-C", dir}, args...)
		return sh.OutputWith(map[string]string{"GOWORK": "off", "GOFLAGS": "-mod=mod"}, "go", cmd...)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		if _, err := goIn("mod", "init", "plugincheck"); err != nil {
			return "", "", err
		}
	}
	validator := "github.com/grafana/plugin-validator"
	if _, err := goIn("get", validator+"@"+validatorVersion); err != nil {
		return "", "", err
	}
	if _, err := goIn("mod", "tidy"); err != nil {
		return "", "", err
	}
	checker = filepath.Join(dir, "plugincheck")
	if _, err := goIn("build", "-o", checker, "."); err != nil {
		return "", "", err
	}
	modDir, err := goIn("list", "-m", "-f", "{{.Dir}}", validator)
	if err != nil {
		return "", "", err
	}
	return checker, filepath.Join(modDir, "config", "plugin.schema.json"), nil
}

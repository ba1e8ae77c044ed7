//go:build mage

// Magefile holds CI Radar's build and test targets. Run them with the module's pinned mage:
//
//	go tool mage -l        list targets
//	go tool mage test      every test: Go (vet + tests) and frontend (typecheck, lint, jest, build)
package main

import (
	"fmt"
	"os"

	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"

	// The SDK's targets (sdk:build:linux, sdk:buildAll, ...) under their own namespace, so
	// that its Test and Clean do not shadow ours.
	// mage:import sdk
	build "github.com/grafana/grafana-plugin-sdk-go/build"
)

// Test runs every test of the repository: the README's test command and what CI runs.
func Test() {
	mg.SerialDeps(TestGo, TestFrontend)
}

// TestGo vets and tests every Go package against real Postgres clusters the tests start.
func TestGo() error {
	if err := sh.RunV("go", "vet", "./..."); err != nil {
		return err
	}
	return sh.RunV("go", "test", "-timeout", "15m", "./...")
}

// TestFrontend typechecks, lints, tests and builds the frontend.
func TestFrontend() error {
	if _, err := os.Stat("node_modules"); err != nil {
		return fmt.Errorf("node_modules is missing: run `npm ci` first (Node 20+)")
	}
	for _, script := range []string{"typecheck", "lint", "test:ci", "build"} {
		if err := sh.RunV("npm", "run", "--silent", script); err != nil {
			return fmt.Errorf("npm run %s: %w", script, err)
		}
	}
	return nil
}

// Plugin builds gpx_ciradar for every platform Grafana runs on, into dist/, with the SDK's
// build (executable name and plugin id from src/plugin.json).
func Plugin() {
	mg.Deps(build.BuildAll)
}

// Ciradar builds the receiver/CLI into bin/ciradar.
func Ciradar() error {
	return sh.RunV("go", "build", "-o", "bin/ciradar", "./pkg/cmd/ciradar")
}

// TestPlugin runs the data source's tests: query types (golden files; refresh them with
// `go test ./pkg/query -update`), the SDK seam, the status page client, and the plugin-host
// test that starts gpx_ciradar over gRPC as Grafana does.
func TestPlugin() error {
	return sh.RunV("go", "test", "./pkg/query/...", "./pkg/plugin/...", "./pkg/status/...")
}

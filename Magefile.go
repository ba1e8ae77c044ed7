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

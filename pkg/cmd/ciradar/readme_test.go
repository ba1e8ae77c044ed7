package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// The README's configuration table is the generated one, so it cannot drift from the code.
func TestReadmeConfigTableIsCurrent(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	writeConfigTable(&table)
	if !strings.Contains(string(readme), table.String()) {
		t.Fatalf("README.md's configuration table is out of date: replace it with the output of `ciradar config-table`:\n%s", table.String())
	}
}

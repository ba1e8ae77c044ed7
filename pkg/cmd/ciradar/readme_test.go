package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
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

// proseDefault is a default the prose states beside a flag: "`-db-max-conns` connections
// (default 10)", or a list "(defaults: `-speed 1`, `-duration 0`)".
var (
	proseDefault  = regexp.MustCompile("`-([a-z0-9-]+)`[^`()]{0,80}\\(default ([^)]+)\\)")
	proseDefaults = regexp.MustCompile(`\(defaults: ([^)]+)\)`)
	defaultsItem  = regexp.MustCompile("`-([a-z0-9-]+) ([^`]+)`")
	inWords       = regexp.MustCompile(`^(\d+) (second|minute|hour)s?$`)
)

// The defaults the README and docs state in prose are the code's: the generated table
// cannot drift, but a sentence could (the Scale section said 8 connections while the flag
// said 10).
func TestProseDefaultsMatchTheFlags(t *testing.T) {
	defaults := flagDefaults()
	files, err := filepath.Glob("../../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, file := range append(files, "../../../README.md") {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var stated [][2]string
		for _, m := range proseDefault.FindAllStringSubmatch(string(b), -1) {
			stated = append(stated, [2]string{m[1], m[2]})
		}
		for _, m := range proseDefaults.FindAllStringSubmatch(string(b), -1) {
			for _, item := range defaultsItem.FindAllStringSubmatch(m[1], -1) {
				stated = append(stated, [2]string{item[1], item[2]})
			}
		}
		for _, s := range stated {
			name, value := s[0], s[1]
			defs, ok := defaults[name]
			if !ok {
				continue // a query field or another program's flag
			}
			checked++
			if !matchesAny(value, defs) {
				t.Errorf("%s states -%s defaults to %q; the code's default is %q", filepath.Base(file), name, value, defs)
			}
		}
	}
	// The README's Scale section states -db-max-conns' default at least.
	if checked == 0 {
		t.Fatal("no stated default found: the patterns no longer match the prose")
	}
}

// flagDefaults are every command's flag defaults by flag name (a name some commands share
// may have several).
func flagDefaults() map[string][]string {
	out := map[string][]string{}
	for _, cmd := range commands {
		c := newConfig(cmd.name, io.Discard)
		cmd.setup(c)
		for _, r := range c.rows {
			if !r.secret {
				out[r.flag] = append(out[r.flag], r.def)
			}
		}
	}
	return out
}

func matchesAny(stated string, defs []string) bool {
	for _, d := range defs {
		if sameDefault(stated, d) {
			return true
		}
	}
	return false
}

// sameDefault compares a stated default with the code's: as text, as a number, or as a
// duration ("5 minutes" is 5m0s).
func sameDefault(stated, def string) bool {
	if stated == def {
		return true
	}
	a, err1 := strconv.ParseFloat(stated, 64)
	b, err2 := strconv.ParseFloat(def, 64)
	if err1 == nil && err2 == nil {
		return a == b
	}
	if m := inWords.FindStringSubmatch(stated); m != nil {
		stated = m[1] + m[2][:1]
	}
	x, err1 := time.ParseDuration(stated)
	y, err2 := time.ParseDuration(def)
	return err1 == nil && err2 == nil && x == y
}

func TestSameDefault(t *testing.T) {
	cases := []struct {
		name, stated, def string
		want              bool
	}{
		{"same text", "info", "info", true},
		{"same number", "10", "10", true},
		{"different number", "8", "10", false},
		{"minutes in words", "5 minutes", "5m0s", true},
		{"different minutes", "1 minute", "5m0s", false},
		{"Go duration", "0", "0s", true},
		{"different text", "text", "json", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := sameDefault(c.stated, c.def); got != c.want {
				t.Fatalf("sameDefault(%q, %q) = %v, want %v", c.stated, c.def, got, c.want)
			}
		})
	}
}

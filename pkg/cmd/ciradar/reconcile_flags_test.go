package main

import (
	"io"
	"strings"
	"testing"
)

// The reconciler's limits: -max-logs 0 turns log fetching off; a negative value, or a zero
// where zero means nothing, is refused at start with the rule.
func TestReconcileFlagLimits(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"defaults", nil, ""},
		{"no log fetching", []string{"-max-logs", "0"}, ""},
		{"negative logs", []string{"-max-logs", "-1"}, "-max-logs at least 0"},
		{"no stuck jobs is not a setting", []string{"-max-stuck", "0"}, "-max-stuck at least 1"},
		{"no issue searches", []string{"-max-issue-searches", "0"}, ""},
		{"negative issue searches", []string{"-max-issue-searches", "-3"}, "-max-issue-searches must be at least 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := newConfig("reconcile", io.Discard)
			addReconcileFlags(cfg)
			err := cfg.parse(c.args)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("error %v, want one saying %q", err, c.wantErr)
			}
		})
	}
}

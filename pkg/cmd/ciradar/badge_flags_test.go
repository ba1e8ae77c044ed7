package main

import (
	"io"
	"strings"
	"testing"
)

// The badge flags are checked at start, every problem at once.
func TestBadgeFlags(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr []string
	}{
		{"defaults: off", nil, nil},
		{"listed and public", []string{"-badge-repos", "acme/api, acme/web", "-badge-public"}, nil},
		{"not owner/name", []string{"-badge-repos", "acme,acme/a/b"}, []string{`"acme": want OWNER/NAME`, `"acme/a/b": want OWNER/NAME`}},
		{"no rate", []string{"-badge-rate", "0", "-badge-max-age", "0s"}, []string{"-badge-rate", "-badge-max-age must be at least 1s"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := newConfig("serve", io.Discard)
			addBadgeFlags(cfg)
			err := cfg.parse(c.args)
			if (err != nil) != (len(c.wantErr) > 0) {
				t.Fatalf("error %v, want %v", err, c.wantErr)
			}
			for _, w := range c.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

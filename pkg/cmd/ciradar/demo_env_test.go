package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckDist(t *testing.T) {
	cases := []struct {
		name        string
		files       []string
		wantMissing []string
		wantCommand string
	}{
		{name: "nothing built", wantMissing: []string{"dist/plugin.json", "dist/gpx_ciradar_linux_arm64"},
			wantCommand: "npm ci && npm run build && go tool mage plugin"},
		{name: "frontend only", files: []string{"plugin.json"}, wantMissing: []string{"dist/gpx_ciradar_linux_arm64"},
			wantCommand: "&& go tool mage plugin"},
		{name: "another platform's backend", files: []string{"plugin.json", "gpx_ciradar_linux_amd64"},
			wantMissing: []string{"dist/gpx_ciradar_linux_arm64"}, wantCommand: "&& go tool mage plugin"},
		{name: "backend only", files: []string{"gpx_ciradar_linux_arm64"}, wantMissing: []string{"dist/plugin.json"},
			wantCommand: "npm ci && npm run build && go tool mage plugin"},
		{name: "built", files: []string{"plugin.json", "gpx_ciradar_linux_arm64"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			repo := t.TempDir()
			os.Mkdir(filepath.Join(repo, "dist"), 0o755)
			for _, f := range c.files {
				if err := os.WriteFile(filepath.Join(repo, "dist", f), nil, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			p := checkDist(repo, "linux", "arm64")
			if c.wantMissing == nil {
				if p != nil {
					t.Fatalf("reported %+v for a complete dist/", p)
				}
				return
			}
			if p == nil {
				t.Fatal("nothing reported")
			}
			if strings.Join(p.files, ",") != strings.Join(c.wantMissing, ",") {
				t.Errorf("missing %v, want %v", p.files, c.wantMissing)
			}
			if !strings.HasPrefix(p.command, "cd '"+repo+"' && ") || !strings.HasSuffix(p.command, c.wantCommand) {
				t.Errorf("command %q, want cd into %s ending in %q", p.command, repo, c.wantCommand)
			}
		})
	}
}

// The env file is 0600, a shell reads back every value exactly (quotes, spaces and $ in a
// chosen password included), and an existing file is never written into.
func TestWriteDemoEnv(t *testing.T) {
	cases := []struct{ name, password string }{
		{"random", randomHex()},
		{"shell metacharacters", `it's "$HOME" & $(rm -rf /); ok`},
		{"URL metacharacters", "p@ss:w/rd?#%"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			creds := demoCredentials{receiver: "http://127.0.0.1:8080/webhook", secret: "s3cret", api: "http://127.0.0.1:8081/api/v3/",
				token: "t0ken", socketDir: "/tmp/ciradar-pg-1", readerPassword: c.password}
			path, err := writeDemoEnv(dir, creds)
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("mode %v (%v), want 0600", fi.Mode().Perm(), err)
			}
			env := sourceEnv(t, path, "CIRADAR_READER_PASSWORD", "CIRADAR_WEBHOOK_SECRET", "CIRADAR_DEMO_API_TOKEN",
				"CIRADAR_DEMO_API_URL", "CIRADAR_DEMO_DATABASE_URL", "CIRADAR_PG_HOST")
			want := map[string]string{"CIRADAR_READER_PASSWORD": c.password, "CIRADAR_WEBHOOK_SECRET": "s3cret",
				"CIRADAR_DEMO_API_TOKEN": "t0ken", "CIRADAR_DEMO_API_URL": creds.api, "CIRADAR_DEMO_DATABASE_URL": creds.readerURL(),
				"CIRADAR_PG_HOST": "/tmp/ciradar-pg-1"}
			for k, v := range want {
				if env[k] != v {
					t.Errorf("%s = %q, want %q", k, env[k], v)
				}
			}
			if _, err := writeDemoEnv(dir, creds); err == nil {
				t.Error("an existing env file was written again")
			}
		})
	}
}

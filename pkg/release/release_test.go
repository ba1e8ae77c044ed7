package release

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const pluginJSON = `{"id":"acme-radar-datasource","backend":true,"executable":"gpx_radar","info":{"version":"1.2.3"}}`

// dist writes a built plugin into a temporary directory: files maps slash paths to contents.
func dist(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// complete is a dist/ with everything a backend release needs.
func complete() map[string]string {
	files := map[string]string{
		"plugin.json":              pluginJSON,
		"module.js":                "define([],function(){})",
		"module.js.map":            "{}",
		"README.md":                "# Radar",
		"LICENSE":                  "Apache",
		"img/logo.svg":             "<svg/>",
		"go_plugin_build_manifest": "abc:pkg/main.go\n",
		".DS_Store":                "junk",
	}
	for _, p := range Platforms {
		files["gpx_radar_"+p] = "binary " + p
	}
	return files
}

func TestReadPlugin(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		want    Plugin
		wantErr string
	}{
		{name: "stamped backend plugin", json: pluginJSON,
			want: Plugin{ID: "acme-radar-datasource", Version: "1.2.3", Backend: true, Executable: "gpx_radar"}},
		{name: "frontend only", json: `{"id":"acme-radar-panel","info":{"version":"0.1.0-beta.1"}}`,
			want: Plugin{ID: "acme-radar-panel", Version: "0.1.0-beta.1"}},
		{name: "version not stamped", json: `{"id":"acme-radar-panel","info":{"version":"%VERSION%"}}`, wantErr: "not a semantic version"},
		{name: "id with a path", json: `{"id":"../x","info":{"version":"1.0.0"}}`, wantErr: "not a plugin id"},
		{name: "backend without executable", json: `{"id":"a-b-datasource","backend":true,"info":{"version":"1.0.0"}}`, wantErr: "executable"},
		{name: "executable with a path", json: `{"id":"a-b-datasource","backend":true,"executable":"../gpx","info":{"version":"1.0.0"}}`, wantErr: "executable"},
		{name: "not JSON", json: `{`, wantErr: "plugin.json"},
		{name: "included dashboards", json: `{"id":"a-b-datasource","includes":[{"type":"dashboard","path":"dashboards/x.json"},{"type":"page","name":"p"}],"info":{"version":"1.0.0"}}`,
			want: Plugin{ID: "a-b-datasource", Version: "1.0.0", Includes: []string{"dashboards/x.json"}}},
		{name: "include outside the plugin", json: `{"id":"a-b-datasource","includes":[{"type":"dashboard","path":"../x.json"}],"info":{"version":"1.0.0"}}`,
			wantErr: "include path"},
		{name: "include by absolute path", json: `{"id":"a-b-datasource","includes":[{"type":"dashboard","path":"/etc/x.json"}],"info":{"version":"1.0.0"}}`,
			wantErr: "include path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadPlugin(dist(t, map[string]string{"plugin.json": tc.json}))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestFiles(t *testing.T) {
	p := Plugin{ID: "acme-radar-datasource", Version: "1.2.3", Backend: true, Executable: "gpx_radar"}
	tests := []struct {
		name    string
		drop    []string
		plugin  Plugin
		wantErr string
	}{
		{name: "complete", plugin: p},
		{name: "no LICENSE is fine", drop: []string{"LICENSE"}, plugin: p},
		{name: "no README", drop: []string{"README.md"}, plugin: p, wantErr: "README.md"},
		{name: "one platform missing", drop: []string{"gpx_radar_darwin_arm64"}, plugin: p, wantErr: "gpx_radar_darwin_arm64"},
		{name: "no build manifest", drop: []string{"go_plugin_build_manifest"}, plugin: p, wantErr: "go_plugin_build_manifest"},
		{name: "an included dashboard missing", plugin: withIncludes(p, "dashboards/gone.json"), wantErr: "dashboards/gone.json"},
		{name: "one platform asked for, others missing", drop: []string{"gpx_radar_darwin_arm64", "gpx_radar_windows_amd64.exe"},
			plugin: withPlatforms(p, "linux_amd64")},
		{name: "the platform asked for missing", drop: []string{"gpx_radar_linux_arm64"}, plugin: withPlatforms(p, "linux_arm64"),
			wantErr: "gpx_radar_linux_arm64"},
		{name: "frontend plugin needs no executables", drop: []string{"gpx_radar_linux_amd64", "go_plugin_build_manifest"},
			plugin: Plugin{ID: "acme-radar-panel", Version: "1.2.3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := complete()
			for _, d := range tc.drop {
				delete(files, d)
			}
			got, err := Files(dist(t, files), tc.plugin)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			delete(files, ".DS_Store")
			if len(got) != len(files) {
				t.Fatalf("got %d files %v, want %d", len(got), got, len(files))
			}
			for i, f := range got {
				if _, ok := files[f]; !ok || (i > 0 && got[i-1] >= f) {
					t.Fatalf("unexpected or unsorted %q in %v", f, got)
				}
			}
		})
	}
}

func withIncludes(p Plugin, paths ...string) Plugin { p.Includes = paths; return p }

func withPlatforms(p Plugin, platforms ...string) Plugin { p.Platforms = platforms; return p }

func TestFilesRefusesSymlinks(t *testing.T) {
	dir := dist(t, complete())
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "img", "passwd")); err != nil {
		t.Fatalf("cannot create the symlink this test needs (run the tests on a filesystem with symlinks): %v", err)
	}
	if _, err := Files(dir, Plugin{ID: "acme-radar-panel", Version: "1.0.0"}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("err = %v, want a refusal", err)
	}
}

func TestPackage(t *testing.T) {
	files := complete()
	out := t.TempDir()
	modified := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	zipPath, _, err := Package(dist(t, files), out, modified)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(out, "acme-radar-datasource-1.2.3.zip"); zipPath != want {
		t.Fatalf("zip at %s, want %s", zipPath, want)
	}

	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "acme-radar-datasource/") {
			t.Errorf("%s is outside the plugin's directory", f.Name)
		}
		if !f.Modified.Equal(modified) {
			t.Errorf("%s: modified %v, want %v", f.Name, f.Modified, modified)
		}
		entries[strings.TrimPrefix(f.Name, "acme-radar-datasource/")] = f
	}

	tests := []struct {
		name string
		file string
		mode fs.FileMode
	}{
		{name: "top-level directory", file: "", mode: fs.ModeDir | 0o755},
		{name: "image directory", file: "img/", mode: fs.ModeDir | 0o755},
		{name: "linux executable", file: "gpx_radar_linux_amd64", mode: 0o755},
		{name: "windows executable", file: "gpx_radar_windows_amd64.exe", mode: 0o755},
		{name: "plugin.json", file: "plugin.json", mode: 0o644},
		{name: "logo", file: "img/logo.svg", mode: 0o644},
		{name: "build manifest is not executable", file: "go_plugin_build_manifest", mode: 0o644},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := entries[tc.file]
			if !ok {
				t.Fatalf("%q not in the archive", tc.file)
			}
			if f.Mode() != tc.mode {
				t.Fatalf("mode %v, want %v", f.Mode(), tc.mode)
			}
			if tc.mode.IsDir() {
				return
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, _ := io.ReadAll(rc)
			if string(b) != files[tc.file] {
				t.Fatalf("content %q, want %q", b, files[tc.file])
			}
		})
	}
	if _, ok := entries[".DS_Store"]; ok {
		t.Error("hidden file packaged")
	}
	if len(entries) != len(files)-1+2 { // less .DS_Store, plus the two directories
		t.Errorf("%d entries, want %d", len(entries), len(files)+1)
	}

	b, err := os.ReadFile(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	line, err := os.ReadFile(zipPath + ".sha256")
	if err != nil {
		t.Fatal(err)
	}
	if want := hex.EncodeToString(sum[:]) + "  acme-radar-datasource-1.2.3.zip\n"; string(line) != want {
		t.Fatalf("sha256 file %q, want %q", line, want)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(out, ".partial-*")); len(leftovers) > 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

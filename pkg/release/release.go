// Package release packages a built plugin (dist/) as the zip Grafana installs and its plugin
// catalogue accepts: a single top-level directory named after the plugin id, the backend
// executables keeping their executable bits, and a sha256 file alongside the zip.
package release

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// Plugin is what the archive needs from dist/plugin.json.
type Plugin struct {
	ID         string
	Version    string
	Backend    bool
	Executable string
}

// Platforms are the os_arch suffixes the SDK's BuildAll builds: a release carries all of them.
var Platforms = []string{"linux_amd64", "linux_arm64", "linux_arm", "darwin_amd64", "darwin_arm64", "windows_amd64.exe"}

var (
	validID      = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	validVersion = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$`)
	validExe     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

// ReadPlugin reads dist/plugin.json as the frontend build stamped it.
func ReadPlugin(distDir string) (Plugin, error) {
	b, err := os.ReadFile(filepath.Join(distDir, "plugin.json"))
	if err != nil {
		return Plugin{}, fmt.Errorf("read plugin.json (run the frontend build first): %w", err)
	}
	var doc struct {
		ID         string `json:"id"`
		Backend    bool   `json:"backend"`
		Executable string `json:"executable"`
		Info       struct {
			Version string `json:"version"`
		} `json:"info"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return Plugin{}, fmt.Errorf("plugin.json: %w", err)
	}
	p := Plugin{ID: doc.ID, Version: doc.Info.Version, Backend: doc.Backend, Executable: doc.Executable}
	switch {
	case !validID.MatchString(p.ID):
		return Plugin{}, fmt.Errorf("plugin.json: id %q is not a plugin id", p.ID)
	case !validVersion.MatchString(p.Version):
		return Plugin{}, fmt.Errorf("plugin.json: info.version %q is not a semantic version (was it stamped?)", p.Version)
	case p.Backend && !validExe.MatchString(p.Executable):
		return Plugin{}, fmt.Errorf("plugin.json: executable %q is not a file name", p.Executable)
	}
	return p, nil
}

// Name is the archive's file name: <id>-<version>.zip.
func (p Plugin) Name() string { return p.ID + "-" + p.Version + ".zip" }

// Package writes outDir/<id>-<version>.zip from distDir and, next to it, <zip>.sha256 in
// sha256sum's format. It returns the zip's path and the files it holds.
func Package(distDir, outDir string, modified time.Time) (string, []string, error) {
	p, err := ReadPlugin(distDir)
	if err != nil {
		return "", nil, err
	}
	files, err := Files(distDir, p)
	if err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", nil, err
	}
	zipPath := filepath.Join(outDir, p.Name())
	tmp, err := os.CreateTemp(outDir, ".partial-*.zip")
	if err != nil {
		return "", nil, err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	sum := sha256.New()
	if err := Write(io.MultiWriter(tmp, sum), distDir, p, files, modified); err != nil {
		tmp.Close()
		return "", nil, err
	}
	if err := tmp.Close(); err != nil {
		return "", nil, err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", nil, err
	}
	if err := os.Rename(tmp.Name(), zipPath); err != nil {
		return "", nil, err
	}
	line := hex.EncodeToString(sum.Sum(nil)) + "  " + p.Name() + "\n"
	if err := os.WriteFile(zipPath+".sha256", []byte(line), 0o644); err != nil {
		return "", nil, err
	}
	return zipPath, files, nil
}

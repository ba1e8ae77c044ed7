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
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// Plugin is what the archive needs from dist/plugin.json.
type Plugin struct {
	ID         string
	Version    string
	Backend    bool
	Executable string
	// Includes are the files plugin.json's includes name (the dashboards), relative to
	// the plugin's root: the Dashboards tab of the data source reads them from there.
	Includes []string
	// Platforms are the os_arch suffixes of the executables the archive must carry; nil
	// means every one of Platforms.
	Platforms []string
}

// Platforms are the os_arch suffixes the SDK's BuildAll builds: a release carries all of them.
var Platforms = []string{"linux_amd64", "linux_arm64", "linux_arm", "darwin_amd64", "darwin_arm64", "windows_amd64.exe"}

// Current is this machine's os_arch suffix, as the SDK names the executable it builds
// for the current platform only.
func Current() string {
	s := runtime.GOOS + "_" + runtime.GOARCH
	if runtime.GOOS == "windows" {
		s += ".exe"
	}
	return s
}

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
		Includes   []struct {
			Path string `json:"path"`
		} `json:"includes"`
		Info struct {
			Version string `json:"version"`
		} `json:"info"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return Plugin{}, fmt.Errorf("plugin.json: %w", err)
	}
	p := Plugin{ID: doc.ID, Version: doc.Info.Version, Backend: doc.Backend, Executable: doc.Executable}
	for _, inc := range doc.Includes {
		if inc.Path == "" {
			continue // a page or a nested plugin, not a file
		}
		if inc.Path != path.Clean(inc.Path) || path.IsAbs(inc.Path) || inc.Path == ".." || strings.HasPrefix(inc.Path, "../") || strings.Contains(inc.Path, "\\") {
			return Plugin{}, fmt.Errorf("plugin.json: include path %q is not a file inside the plugin", inc.Path)
		}
		p.Includes = append(p.Includes, inc.Path)
	}
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
	return PackageFor(distDir, outDir, modified, Platforms)
}

// PackageFor is Package for an archive whose executables are those of platforms only:
// the validator's checks need one, and building six takes a quarter of an hour.
func PackageFor(distDir, outDir string, modified time.Time, platforms []string) (string, []string, error) {
	p, err := ReadPlugin(distDir)
	if err != nil {
		return "", nil, err
	}
	p.Platforms = platforms
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

package release

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Files lists what the archive holds: every file of distDir (slash-separated, relative,
// sorted) but hidden ones. It fails when a file Grafana or the catalogue needs is missing,
// or when distDir holds anything but regular files and directories.
func Files(distDir string, p Plugin) ([]string, error) {
	var files []string
	err := filepath.WalkDir(distDir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(distDir, name)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case rel == ".":
			return nil
		case strings.HasPrefix(path.Base(rel), "."):
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%s: %s is not a regular file", distDir, rel)
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var missing []string
	for _, want := range required(p) {
		if i := sort.SearchStrings(files, want); i == len(files) || files[i] != want {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s lacks %s (run `go tool mage release`, which builds everything)", distDir, strings.Join(missing, ", "))
	}
	return files, nil
}

// required are the files without which the archive is not a working release.
func required(p Plugin) []string {
	files := append([]string{"README.md", "module.js", "plugin.json"}, p.Includes...)
	if p.Backend {
		// The catalogue checks the Go build manifest against the source code.
		files = append(files, "go_plugin_build_manifest")
		platforms := p.Platforms
		if platforms == nil {
			platforms = Platforms
		}
		for _, platform := range platforms {
			files = append(files, p.Executable+"_"+platform)
		}
	}
	return files
}

// executable tells the backend's executables, which keep mode 0755, from everything else (0644).
func executable(p Plugin, file string) bool {
	return p.Backend && !strings.Contains(file, "/") && strings.HasPrefix(file, p.Executable+"_")
}

// Write writes the zip of files (from Files) to w, under a top-level directory named after the
// plugin id, with directory entries, Unix modes, and every entry's time set to modified.
func Write(w io.Writer, distDir string, p Plugin, files []string, modified time.Time) error {
	zw := zip.NewWriter(w)
	dirs := map[string]bool{}
	addDir := func(dir string) error {
		if dirs[dir] {
			return nil
		}
		dirs[dir] = true
		h := &zip.FileHeader{Name: dir + "/", Method: zip.Store, Modified: modified}
		h.SetMode(fs.ModeDir | 0o755)
		_, err := zw.CreateHeader(h)
		return err
	}
	if err := addDir(p.ID); err != nil {
		return err
	}
	for _, file := range files {
		// Parents first, so that every unzip tool makes them with the right mode.
		parts := strings.Split(file, "/")
		for i := 1; i < len(parts); i++ {
			if err := addDir(p.ID + "/" + strings.Join(parts[:i], "/")); err != nil {
				return err
			}
		}
		mode := fs.FileMode(0o644)
		if executable(p, file) {
			mode = 0o755
		}
		h := &zip.FileHeader{Name: p.ID + "/" + file, Method: zip.Deflate, Modified: modified}
		h.SetMode(mode)
		dst, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if err := copyFile(dst, filepath.Join(distDir, filepath.FromSlash(file))); err != nil {
			return err
		}
	}
	return zw.Close()
}

func copyFile(dst io.Writer, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(dst, f)
	return err
}

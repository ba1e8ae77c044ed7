// Package version tells which build of CI Radar is running: the release version and the
// commit, stamped at link time by the Magefile and the Dockerfile (-ldflags -X), with the
// commit read from the Go toolchain's VCS stamp when the build was not stamped.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set with -ldflags "-X github.com/ciradar/ciradar/pkg/version.Version=0.1.0
// -X github.com/ciradar/ciradar/pkg/version.Commit=abc1234". Variables, not constants, so
// that the linker can overwrite them.
var (
	Version = "dev"
	Commit  = ""
)

// Info is one build's identity.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"goVersion"`
	// Modified is true when the tree had uncommitted changes at build time (from the VCS
	// stamp; unknown, so false, when only -X stamped the commit).
	Modified bool `json:"modified,omitempty"`
}

// Get returns this binary's identity. A `go build` in a checkout stamps vcs.revision itself
// (unless -buildvcs=false); `go run` and builds outside a checkout do not, and then the
// commit is "unknown" unless -X set it.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		fromBuildInfo(&info, bi.Settings)
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	return info
}

// fromBuildInfo fills what -X left empty from the toolchain's VCS settings.
func fromBuildInfo(info *Info, settings []debug.BuildSetting) {
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			if info.Commit == "" {
				info.Commit = short(s.Value)
			}
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// String is the one line `ciradar version` prints.
func (i Info) String() string {
	commit := i.Commit
	if i.Modified {
		commit += "-dirty"
	}
	return fmt.Sprintf("%s (commit %s, %s)", i.Version, commit, i.GoVersion)
}

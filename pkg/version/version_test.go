package version

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	rev := "0123456789abcdef0123456789abcdef01234567"
	cases := []struct {
		name         string
		stamped      string
		settings     []debug.BuildSetting
		wantCommit   string
		wantModified bool
	}{
		{name: "vcs stamp, clean", settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "false"}},
			wantCommit: "0123456789ab"},
		{name: "vcs stamp, dirty", settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "true"}},
			wantCommit: "0123456789ab", wantModified: true},
		{name: "-X wins over the vcs stamp", stamped: "feedbee", settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}},
			wantCommit: "feedbee"},
		{name: "no stamp at all", wantCommit: ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info := Info{Commit: c.stamped}
			fromBuildInfo(&info, c.settings)
			if info.Commit != c.wantCommit || info.Modified != c.wantModified {
				t.Fatalf("got commit %q modified %v, want %q %v", info.Commit, info.Modified, c.wantCommit, c.wantModified)
			}
		})
	}
}

func TestString(t *testing.T) {
	cases := []struct {
		name string
		info Info
		want string
	}{
		{name: "clean", info: Info{Version: "0.1.0", Commit: "abc", GoVersion: "go1.26.8"}, want: "0.1.0 (commit abc, go1.26.8)"},
		{name: "dirty", info: Info{Version: "0.1.0", Commit: "abc", GoVersion: "go1.26.8", Modified: true},
			want: "0.1.0 (commit abc-dirty, go1.26.8)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.info.String(); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

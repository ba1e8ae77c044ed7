package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of /proc/<pid>/stat times, on every Linux this runs on.
const clockTick = 100

// procCPU is the CPU time a process has used, plus that of its waited-for children.
func procCPU(pid int) (self, children time.Duration, ppid int, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, 0, false
	}
	// The command name may hold spaces; the fields after its closing parenthesis are fixed.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 15 {
		return 0, 0, 0, false
	}
	num := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	tick := func(v int64) time.Duration { return time.Duration(v) * time.Second / clockTick }
	// After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
	return tick(num(11) + num(12)), tick(num(13) + num(14)), int(num(1)), true
}

// treeCPU sums the CPU of a process, its live children, and its children already reaped.
// For the postmaster that is every backend of the cluster.
func treeCPU(root int) time.Duration {
	self, reaped, _, ok := procCPU(root)
	if !ok {
		return 0
	}
	total := self + reaped
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == root {
			continue
		}
		if c, _, ppid, ok := procCPU(pid); ok && ppid == root {
			total += c
		}
	}
	return total
}

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the kernel's USER_HZ, the unit of /proc's CPU times, on Linux.
const clockTick = 10 * time.Millisecond

// serverCPU is the CPU time the Postgres server whose postmaster is pid has used so far:
// the postmaster's own, its exited children's (reaped, so in its cutime and cstime), and
// its live children's (backends, WAL writer, checkpointer, autovacuum). Ingest throughput
// moves with the other work on a shared host; the server's CPU per delivery moves much
// less, so it is the figure an A/B of two store versions is judged by.
func serverCPU(pid int) time.Duration {
	self := procStat(pid)
	if len(self) < 17 {
		return 0
	}
	total := ticks(self[11]) + ticks(self[12]) + ticks(self[13]) + ticks(self[14])
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	parent := strconv.Itoa(pid)
	for _, d := range dirs {
		n, err := strconv.Atoi(filepath.Base(d))
		if err != nil || n == pid {
			continue
		}
		f := procStat(n)
		if len(f) > 12 && f[1] == parent {
			total += ticks(f[11]) + ticks(f[12])
		}
	}
	return total
}

// procStat returns the fields of /proc/pid/stat after the command name: state first, so
// field i here is the man page's field i+3.
func procStat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

func ticks(s string) time.Duration {
	n, _ := strconv.ParseInt(s, 10, 64)
	return time.Duration(n) * clockTick
}

package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// rssWatch samples a process's resident set every 100 ms.
type rssWatch struct {
	pid  int
	mu   sync.Mutex
	peak int64
	done chan struct{}
}

func newRSSWatch(pid int) *rssWatch {
	w := &rssWatch{pid: pid, done: make(chan struct{})}
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-t.C:
				v := w.now()
				w.mu.Lock()
				w.peak = max(w.peak, v)
				w.mu.Unlock()
			}
		}
	}()
	return w
}

func (w *rssWatch) stop() { close(w.done) }

// now is the resident set in bytes (VmRSS).
func (w *rssWatch) now() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", w.pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}

// peakSince returns the highest sample since the last call.
func (w *rssWatch) peakSince() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.peak
	w.peak = 0
	return p
}

// lockedWriter lets the child's output be collected while it runs.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

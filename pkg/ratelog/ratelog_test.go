package ratelog

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer lets the summary's timer goroutine and the test share one buffer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Split(strings.TrimSpace(s.b.String()), "\n")
}

func TestLimiter(t *testing.T) {
	cases := []struct {
		name      string
		keys      []string
		wantFirst int    // lines logged at once
		wantAfter int    // lines once every interval has ended
		wantText  string // in the last line
	}{
		{name: "one line", keys: []string{"a"}, wantFirst: 1, wantAfter: 1, wantText: "msg-a"},
		{name: "a burst is one line and a count", keys: []string{"a", "a", "a", "a"}, wantFirst: 1, wantAfter: 2, wantText: "repeated=3"},
		{name: "keys are counted apart", keys: []string{"a", "b", "a", "b", "b"}, wantFirst: 2, wantAfter: 4, wantText: "repeated="},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf syncBuffer
			l := New(slog.New(slog.NewTextHandler(&buf, nil)), 50*time.Millisecond)
			for i, k := range tc.keys {
				l.Warn(k, "msg-"+k, "i", i)
			}
			if got := len(buf.lines()); got != tc.wantFirst {
				t.Fatalf("lines at once = %d, want %d: %q", got, tc.wantFirst, buf.lines())
			}
			deadline := time.Now().Add(5 * time.Second)
			for len(buf.lines()) < tc.wantAfter && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			lines := buf.lines()
			if len(lines) != tc.wantAfter {
				t.Fatalf("lines after the interval = %d, want %d: %q", len(lines), tc.wantAfter, lines)
			}
			if !strings.Contains(lines[len(lines)-1], tc.wantText) {
				t.Errorf("last line %q lacks %q", lines[len(lines)-1], tc.wantText)
			}
		})
	}
}

func TestLimiterLogsAgainAfterTheInterval(t *testing.T) {
	var buf syncBuffer
	l := New(slog.New(slog.NewTextHandler(&buf, nil)), 20*time.Millisecond)
	l.Warn("k", "first")
	time.Sleep(100 * time.Millisecond)
	l.Warn("k", "second")
	lines := buf.lines()
	if len(lines) != 2 || !strings.Contains(lines[1], "second") {
		t.Fatalf("a new interval should log at once; got %q", lines)
	}
}

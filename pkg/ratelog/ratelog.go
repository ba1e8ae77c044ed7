// Package ratelog keeps logs readable while something fails many times a second: a
// database outage fails every delivery, and a line for each wrote 40 MB in 30 s. The first
// occurrence of a kind of line is logged at once; repeats within the interval are counted,
// and one line with the count follows when the interval ends.
package ratelog

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Limiter logs at most one line per key and interval, plus one summary of the repeats.
type Limiter struct {
	log   *slog.Logger
	every time.Duration

	mu   sync.Mutex
	keys map[string]*window
}

type window struct {
	level      slog.Level
	msg        string
	suppressed int
	args       []any // of the last suppressed line, so the summary shows a recent example
}

// New makes a limiter that logs through log, one line per key every interval.
func New(log *slog.Logger, every time.Duration) *Limiter {
	if every <= 0 {
		every = 10 * time.Second
	}
	return &Limiter{log: log, every: every, keys: map[string]*window{}}
}

// Warn logs msg at warning level, unless a line with the same key was logged in the
// current interval; then it is counted for the interval's summary.
func (l *Limiter) Warn(key, msg string, args ...any) { l.Log(slog.LevelWarn, key, msg, args...) }

// Log is Warn at any level.
func (l *Limiter) Log(level slog.Level, key, msg string, args ...any) {
	l.mu.Lock()
	w, open := l.keys[key]
	if open {
		w.suppressed++
		w.args = args
		l.mu.Unlock()
		return
	}
	l.keys[key] = &window{level: level, msg: msg}
	l.mu.Unlock()
	l.log.Log(context.Background(), level, msg, args...)
	time.AfterFunc(l.every, func() { l.close(key) })
}

// close ends a key's interval and logs how many lines it held back.
func (l *Limiter) close(key string) {
	l.mu.Lock()
	w := l.keys[key]
	delete(l.keys, key)
	l.mu.Unlock()
	if w == nil || w.suppressed == 0 {
		return
	}
	args := append([]any{"repeated", w.suppressed, "interval", l.every.String()}, w.args...)
	l.log.Log(context.Background(), w.level, w.msg+" (repeats, last one shown)", args...)
}

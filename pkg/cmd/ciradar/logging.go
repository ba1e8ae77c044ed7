package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"
)

type logFlags struct{ level, format string }

func addLogFlags(cfg *config) *logFlags {
	l := &logFlags{}
	cfg.String(&l.level, "log-level", "CIRADAR_LOG_LEVEL", "info", "debug, info, warn or error")
	cfg.String(&l.format, "log-format", "CIRADAR_LOG_FORMAT", "auto",
		"text, json, or auto: text when stderr is a terminal, json otherwise (for log collectors)")
	cfg.Check(func() error {
		var lv slog.Level
		if err := lv.UnmarshalText([]byte(l.level)); err != nil {
			return fmt.Errorf("-log-level %q: use debug, info, warn or error", l.level)
		}
		if l.format != "auto" && l.format != "json" && l.format != "text" {
			return fmt.Errorf("-log-format %q: use auto, text or json", l.format)
		}
		return nil
	})
	return l
}

// logger writes structured logs to stderr. Nothing secret is ever passed to it: secrets
// and payload bodies stay out of every log call in this program.
func (l *logFlags) logger() *slog.Logger {
	return l.loggerTo(os.Stderr, isTerminal(os.Stderr))
}

func (l *logFlags) loggerTo(w io.Writer, terminal bool) *slog.Logger {
	var lv slog.Level
	lv.UnmarshalText([]byte(strings.ToLower(l.level)))
	opts := &slog.HandlerOptions{Level: lv}
	if l.format == "text" || (l.format == "auto" && terminal) {
		opts.ReplaceAttr = readableDurations
		return slog.New(slog.NewTextHandler(w, opts))
	}
	// JSON keeps durations as nanoseconds: a number is what log pipelines sum and compare.
	return slog.New(slog.NewJSONHandler(w, opts))
}

// readableDurations writes a duration as people read it (1.5s, 2m0s), not in nanoseconds.
func readableDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}

// isTerminal reports whether f is an interactive terminal (not a pipe, a file or /dev/null).
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

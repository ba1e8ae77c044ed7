package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
)

type logFlags struct{ level, format string }

func addLogFlags(cfg *config) *logFlags {
	l := &logFlags{}
	cfg.String(&l.level, "log-level", "CIRADAR_LOG_LEVEL", "info", "debug, info, warn or error")
	cfg.String(&l.format, "log-format", "CIRADAR_LOG_FORMAT", "json", "json or text")
	cfg.Check(func() error {
		var lv slog.Level
		if err := lv.UnmarshalText([]byte(l.level)); err != nil {
			return fmt.Errorf("-log-level %q: use debug, info, warn or error", l.level)
		}
		if l.format != "json" && l.format != "text" {
			return fmt.Errorf("-log-format %q: use json or text", l.format)
		}
		return nil
	})
	return l
}

// logger writes structured logs to stderr. Nothing secret is ever passed to it: secrets
// and payload bodies stay out of every log call in this program.
func (l *logFlags) logger() *slog.Logger {
	var lv slog.Level
	lv.UnmarshalText([]byte(strings.ToLower(l.level)))
	opts := &slog.HandlerOptions{Level: lv}
	if l.format == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

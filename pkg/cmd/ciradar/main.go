// Command ciradar is CI Radar's receiver and tool box: serve (the webhook receiver),
// migrate, reproject, reconcile, backfill, simulate, loadgen, demo and version. Each
// command is one file here; configuration comes from flags with CIRADAR_* environment
// fallbacks (see config.go).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/ciradar/ciradar/pkg/version"
)

// command is one subcommand. setup declares its flags on cfg and returns the function that
// runs it once the flags are parsed and validated.
type command struct {
	name    string
	summary string
	setup   func(cfg *config) func(ctx context.Context) error
}

// commands is the table of subcommands; adding one is a file plus a row here.
var commands = []command{
	serveCommand,
	migrateCommand,
	reprojectCommand,
	compactCommand,
	loadgenCommand,
	simulateCommand,
	reconcileCommand,
	backfillCommand,
	demoCommand,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	if args[0] == "config-table" {
		writeConfigTable(stdout)
		return 0
	}
	if args[0] == "version" || args[0] == "--version" || args[0] == "-version" {
		fmt.Fprintf(stdout, "ciradar %s\n", version.Get())
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		cfg := newConfig(c.name, stderr)
		runFn := c.setup(cfg)
		if err := cfg.parse(args[1:]); err != nil {
			if errors.Is(err, errHelp) {
				return 0
			}
			// Only the problems and where to look: the full usage would bury them.
			fmt.Fprintf(stderr, "ciradar %s: invalid configuration:\n%v\nRun 'ciradar %s -h' for its flags.\n",
				c.name, err, c.name)
			return 2
		}
		if err := runFn(ctx); err != nil {
			fmt.Fprintf(stderr, "ciradar %s: %v\n", c.name, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "ciradar: unknown command %q\nRun 'ciradar -h' for the commands.\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "CI Radar: GitHub Actions observability for Grafana.\n\nUsage: ciradar <command> [flags]\n\nCommands:")
	cs := append([]command(nil), commands...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "  config-table print every flag and environment variable as a Markdown table")
	fmt.Fprintln(w, "  version      print the version, commit and Go version (also --version)")
	fmt.Fprintln(w, "\nRun 'ciradar <command> -h' for its flags.")
}

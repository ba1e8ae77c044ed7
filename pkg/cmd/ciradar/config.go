package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

var errHelp = flag.ErrHelp

// config is a command's flag set where every flag falls back to an environment variable.
// Parse errors, bad environment values and failed checks are collected and reported
// together, so one run shows every problem.
type config struct {
	cmd    string
	fs     *flag.FlagSet
	rows   []configRow
	errs   []error
	checks []func() error
	after  []func()  // applied after parsing: secrets read from the environment
	out    io.Writer // where -h prints the usage
}

type configRow struct {
	flag, env, def, usage string
	secret                bool
}

func newConfig(cmd string, out io.Writer) *config {
	c := &config{cmd: cmd, fs: flag.NewFlagSet("ciradar "+cmd, flag.ContinueOnError), out: out}
	// The flag package would print its error and then the whole usage; parse reports the
	// error once, and the usage only on -h.
	c.fs.SetOutput(io.Discard)
	c.fs.Usage = func() {}
	return c
}

func (c *config) add(row configRow) { c.rows = append(c.rows, row) }

// envValue returns the environment value for a flag, if set.
func envValue(env string) (string, bool) {
	v, ok := os.LookupEnv(env)
	return v, ok && v != ""
}

func (c *config) String(p *string, name, env, def, usage string) {
	c.add(configRow{flag: name, env: env, def: def, usage: usage})
	if v, ok := envValue(env); ok {
		def = v
	}
	c.fs.StringVar(p, name, def, usage)
}

// Secret is a string flag whose value is never printed: usage shows only whether it is set,
// and its environment value is read after parsing, so it never becomes a printed default.
func (c *config) Secret(p *string, name, env, usage string) {
	c.add(configRow{flag: name, env: env, usage: usage, secret: true})
	c.fs.StringVar(p, name, "", usage)
	c.after = append(c.after, func() {
		if *p == "" {
			*p = os.Getenv(env)
		}
	})
}

func (c *config) Int(p *int, name, env string, def int, usage string) {
	c.add(configRow{flag: name, env: env, def: strconv.Itoa(def), usage: usage})
	if v, ok := envValue(env); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("%s=%q: not a whole number", env, v))
		} else {
			def = n
		}
	}
	c.fs.IntVar(p, name, def, usage)
}

func (c *config) Duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	c.add(configRow{flag: name, env: env, def: def.String(), usage: usage})
	if v, ok := envValue(env); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("%s=%q: not a duration (like 90s or 5m)", env, v))
		} else {
			def = d
		}
	}
	c.fs.DurationVar(p, name, def, usage)
	// No duration here means "before now" or "a negative wait".
	c.Check(func() error {
		if *p < 0 {
			return fmt.Errorf("-%s %s: must not be negative", name, *p)
		}
		return nil
	})
}

func (c *config) Bool(p *bool, name, env string, def bool, usage string) {
	c.add(configRow{flag: name, env: env, def: strconv.FormatBool(def), usage: usage})
	if v, ok := envValue(env); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("%s=%q: not true or false", env, v))
		} else {
			def = b
		}
	}
	c.fs.BoolVar(p, name, def, usage)
}

// Check adds a validation run after parsing.
func (c *config) Check(f func() error) { c.checks = append(c.checks, f) }

func (c *config) parse(args []string) error {
	if err := c.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.printUsage(c.out)
			return errHelp
		}
		// Parsing stopped at this flag, so the checks would judge half-parsed values and
		// bury the real error under consequences of it.
		return errors.Join(append(c.errs, err)...)
	}
	if c.fs.NArg() > 0 {
		c.errs = append(c.errs, fmt.Errorf("unexpected arguments: %s", strings.Join(c.fs.Args(), " ")))
	}
	for _, f := range c.after {
		f()
	}
	for _, f := range c.checks {
		if err := f(); err != nil {
			c.errs = append(c.errs, err)
		}
	}
	return errors.Join(c.errs...)
}

func (c *config) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: ciradar %s [flags]\n\nFlags (each falls back to its environment variable):\n", c.cmd)
	for _, r := range c.rows {
		def := r.def
		if r.secret {
			def = "(secret, never printed)"
		}
		fmt.Fprintf(w, "  -%s  [%s]  default %q\n      %s\n", r.flag, r.env, def, r.usage)
	}
}

// writeConfigTable prints every command's configuration as the README's Markdown table.
// A flag shared by several commands is one row naming them all.
func writeConfigTable(w io.Writer) {
	type entry struct {
		row  configRow
		cmds []string
	}
	var order []string
	seen := map[string]*entry{}
	for _, cmd := range commands {
		c := newConfig(cmd.name, io.Discard)
		cmd.setup(c)
		for _, r := range c.rows {
			key := r.flag + "\x00" + r.env
			if e, ok := seen[key]; ok {
				e.cmds = append(e.cmds, cmd.name)
				continue
			}
			seen[key] = &entry{row: r, cmds: []string{cmd.name}}
			order = append(order, key)
		}
	}
	fmt.Fprintln(w, "| flag | environment | default | commands | meaning |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, key := range order {
		e := seen[key]
		def := ""
		if e.row.def != "" {
			def = "`" + e.row.def + "`"
		}
		if e.row.secret {
			def = "(secret)"
		}
		fmt.Fprintf(w, "| `-%s` | `%s` | %s | %s | %s |\n", e.row.flag, e.row.env, def,
			strings.Join(e.cmds, ", "), strings.ReplaceAll(e.row.usage, "|", "\\|"))
	}
}

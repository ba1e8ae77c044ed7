package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/ciradar/ciradar/pkg/simulate"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// pluginExecutable is src/plugin.json's executable: the SDK's build names it
// <executable>_<os>_<arch> in dist/.
const pluginExecutable = "gpx_ciradar"

// distProblem is what dist/ lacks for Grafana on this machine, and the command that builds
// it.
type distProblem struct {
	files   []string
	command string
}

// checkDist looks for the built frontend (dist/plugin.json) and this platform's backend
// executable in repo's dist/.
func checkDist(repo, goos, goarch string) *distProblem {
	abs, err := filepath.Abs(repo)
	if err != nil {
		abs = repo
	}
	exe := pluginExecutable + "_" + goos + "_" + goarch
	if goos == "windows" {
		exe += ".exe"
	}
	var missing []string
	frontend := true
	if _, err := os.Stat(filepath.Join(abs, "dist", "plugin.json")); err != nil {
		missing, frontend = append(missing, "dist/plugin.json"), false
	}
	if _, err := os.Stat(filepath.Join(abs, "dist", exe)); err != nil {
		missing = append(missing, "dist/"+exe)
	}
	if len(missing) == 0 {
		return nil
	}
	build := "go tool mage plugin"
	if !frontend {
		build = "npm ci && npm run build && go tool mage plugin"
	}
	return &distProblem{files: missing, command: "cd " + shellQuote(abs) + " && " + build}
}

// demoCredentials are everything secret a user needs to explore the demo.
type demoCredentials struct {
	receiver, secret, api, token string
	socketDir, readerPassword    string
	// GitLab's side; gitlabAPI is "" when the world has no GitLab group.
	gitlabReceiver, gitlabSecret, gitlabAPI, gitlabToken string
}

// readerURL is a libpq connection URL for ciradar_reader over the demo's socket.
func (c demoCredentials) readerURL() string {
	q := url.Values{"host": {c.socketDir}, "port": {"5432"}, "sslmode": {"disable"}}
	u := url.URL{Scheme: "postgresql", User: url.UserPassword("ciradar_reader", c.readerPassword), Path: "/ciradar",
		RawQuery: q.Encode()}
	return u.String()
}

// writeDemoEnv writes the demo's credentials as a shell file (0600) in dir, so that they
// can be used without ever being printed: `. demo.env` in a shell, or in the one that
// starts Grafana. It returns the file's path.
func writeDemoEnv(dir string, c demoCredentials) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# CI Radar demo credentials: secret, readable only by you, deleted when the demo stops.\n")
	fmt.Fprintf(&b, "# Load them into a shell (or the one that starts Grafana) with:  . %s\n#\n", filepath.Join(dir, "demo.env"))
	fmt.Fprintf(&b, "# The store, as the read-only role the data source uses:\n#   psql %s\n", shellQuote(c.readerURL()))
	fmt.Fprintf(&b, "# The fake GitHub API:\n#   curl -H \"Authorization: Bearer $CIRADAR_DEMO_API_TOKEN\" \"${CIRADAR_DEMO_API_URL}orgs/acme/actions/runners\"\n")
	vars := []struct{ name, value string }{
		{"CIRADAR_DEMO_RECEIVER_URL", c.receiver},
		{"CIRADAR_WEBHOOK_SECRET", c.secret},
		{"CIRADAR_DEMO_API_URL", c.api},
		{"CIRADAR_DEMO_API_TOKEN", c.token},
		{"CIRADAR_PG_HOST", c.socketDir},
		{"CIRADAR_PG_DATABASE", "ciradar"},
		{"CIRADAR_PG_SSLMODE", "disable"},
		{"CIRADAR_READER_PASSWORD", c.readerPassword},
		{"CIRADAR_DEMO_DATABASE_URL", c.readerURL()},
		{"CIRADAR_DEMO_PSQL", "psql " + shellQuote(c.readerURL())},
	}
	if c.gitlabAPI != "" {
		fmt.Fprintf(&b, "# The fake GitLab API:\n#   curl -H \"PRIVATE-TOKEN: $CIRADAR_DEMO_GITLAB_API_TOKEN\" \"${CIRADAR_DEMO_GITLAB_API_URL}projects\"\n")
		vars = append(vars, []struct{ name, value string }{
			{"CIRADAR_DEMO_GITLAB_RECEIVER_URL", c.gitlabReceiver},
			{"CIRADAR_GITLAB_WEBHOOK_SECRET", c.gitlabSecret},
			{"CIRADAR_DEMO_GITLAB_API_URL", c.gitlabAPI},
			{"CIRADAR_DEMO_GITLAB_API_TOKEN", c.gitlabToken},
		}...)
	}
	for _, v := range vars {
		fmt.Fprintf(&b, "export %s=%s\n", v.name, shellQuote(v.value))
	}
	path := filepath.Join(dir, "demo.env")
	// O_EXCL: never write secrets into a file someone else prepared.
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("write the demo's env file: %w", err)
	}
	if _, err := io.WriteString(fh, b.String()); err != nil {
		fh.Close()
		return "", fmt.Errorf("write the demo's env file: %w", err)
	}
	if err := fh.Close(); err != nil {
		return "", fmt.Errorf("write the demo's env file: %w", err)
	}
	return path, nil
}

// shellQuote makes s one word for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// linkPlugin makes a plugins directory holding the built plugin (dist/) under its id, as
// Grafana's plugin path wants it. It returns "" when dist/ has not been built.
func linkPlugin(repo, dir string) string {
	dist, err := filepath.Abs(filepath.Join(repo, "dist"))
	if err != nil {
		return ""
	}
	if _, err := os.Stat(filepath.Join(dist, "plugin.json")); err != nil {
		return ""
	}
	plugins := filepath.Join(dir, "plugins")
	if os.MkdirAll(plugins, 0o755) != nil || os.Symlink(dist, filepath.Join(plugins, "ciradar-ciradar-datasource")) != nil {
		return ""
	}
	return plugins
}

// printDemo says where everything is. Secrets stay in the env file: only its path is
// printed.
func printDemo(w io.Writer, f *demoFlags, socketDir, envFile, plugins string, missing *distProblem) {
	repo, _ := filepath.Abs(f.repo)
	fmt.Fprintf(w, `
CI Radar demo is running. Ctrl-C stops it and deletes its database.

  receiver          http://%[1]s/webhook   (health: /healthz, /readyz; metrics: /metrics)
  fake GitHub API   http://%[2]s/api/v3/   (the reconciler in the receiver reads it)
  Postgres          unix socket in %[3]s, port 5432, database ciradar
  history           %[4]s of simulated activity, then live at speed %[5]s
  credentials       %[6]s
                    (0600: the API tokens, the webhook secrets, the reader's password and a
                    psql command; load them with ". %[6]s")
`, f.listen, f.apiAddr, socketDir, f.history, f.speed, envFile)
	if f.forge != simulate.ForgeGitHub {
		fmt.Fprintf(w, `  GitLab hooks      http://%[1]s/webhook/gitlab   (organisations on %[2]s: the GitLab ones are groups)
  fake GitLab API   http://%[3]s/api/v4/   (the GitLab reconciler in the receiver reads it)
`, f.listen, f.forge, f.gitlabAPIAddr)
	}
	if missing != nil {
		fmt.Fprintf(w, `
WARNING: the data source is not built (%s missing), so Grafana cannot load it.
Build it, then restart the demo:

  %s
`, strings.Join(missing.files, ", "), missing.command)
	}
	fmt.Fprintf(w, `
Point a Grafana (13.1) at it, from a shell on this machine:

  . %[1]s
  export CIRADAR_DASHBOARDS_DIR=%[2]s
  export GF_PATHS_PROVISIONING=%[3]s
  export GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=ciradar-ciradar-datasource
`, envFile, shellQuote(filepath.Join(repo, "dashboards")), shellQuote(filepath.Join(repo, "provisioning")))
	if plugins != "" {
		fmt.Fprintf(w, "  export GF_PATHS_PLUGINS=%s\n", shellQuote(plugins))
	} else {
		fmt.Fprintf(w, "  # GF_PATHS_PLUGINS: once dist/ is built, a directory holding a link ciradar-ciradar-datasource -> %s\n",
			filepath.Join(repo, "dist"))
	}
	fmt.Fprint(w, `  grafana server --homepath /usr/share/grafana   # where your Grafana is installed

GF_PATHS_PROVISIONING replaces that Grafana's own provisioning: to keep yours, copy the files
of provisioning/ into it instead. Then open http://localhost:3000 (admin/admin): the CI Radar
folder holds the dashboards.
`)
}

func randomHex() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

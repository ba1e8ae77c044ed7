// Package pgtest gives tests a real, throwaway Postgres: initdb and postgres from the
// system's binaries, listening only on a unix socket in a temporary directory. Each test
// binary starts one cluster (see Main) and each test gets a fresh database cloned from a
// migrated template (see NewDatabase). Setting CIRADAR_TEST_DATABASE_URL uses that server
// instead. When neither can work, tests fail and say what to install; they never skip.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// InstallHint is the advice every failure to find or start Postgres carries.
const InstallHint = "install the PostgreSQL server binaries (Debian/Ubuntu: apt-get install -y postgresql), " +
	"or set CIRADAR_PG_BINDIR to the directory holding initdb and postgres, " +
	"or set CIRADAR_TEST_DATABASE_URL to a server the tests may create databases on"

// Cluster is one throwaway Postgres server.
type Cluster struct {
	dir    string // data directory and socket directory live under here
	bindir string
	cred   *syscall.Credential
	cmd    *exec.Cmd
	exited chan error
	Port   int
}

// StartCluster runs initdb in a new temporary directory and starts postgres on it. Options
// favour speed over durability (fsync off): this is for tests, not for benchmarks.
func StartCluster(extraSettings ...string) (*Cluster, error) {
	bindir, err := findBindir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ciradar-pg-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: make temp dir: %w", err)
	}
	c := &Cluster{dir: dir, bindir: bindir, Port: 5432}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root: run them as the postgres system user.
		if c.cred, err = postgresCredential(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: chown %s: %w", dir, err)
		}
	}
	initdb := c.command("initdb", "-D", c.DataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: initdb failed: %w\n%s", err, out)
	}
	settings := append([]string{"fsync=off", "synchronous_commit=off", "full_page_writes=off",
		"max_connections=300", "shared_buffers=128MB", "log_min_messages=fatal"}, extraSettings...)
	if err := c.configure(settings); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// Pid is the postmaster's process id, or 0 when the server is stopped.
func (c *Cluster) Pid() int {
	if c.cmd == nil || c.cmd.Process == nil {
		return 0
	}
	return c.cmd.Process.Pid
}

// DataDir is the cluster's data directory.
func (c *Cluster) DataDir() string { return filepath.Join(c.dir, "data") }

// SocketDir is the directory holding the unix socket.
func (c *Cluster) SocketDir() string { return c.dir }

// URL is a connection string for database db as the superuser.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=%d&sslmode=disable", db, c.dir, c.Port)
}

func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bindir, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Pdeathsig: syscall.SIGTERM}
	cmd.Dir = c.dir
	return cmd
}

func (c *Cluster) configure(settings []string) error {
	conf := "listen_addresses = ''\nunix_socket_directories = '" + c.dir + "'\nport = " + strconv.Itoa(c.Port) + "\n"
	for _, s := range settings {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return fmt.Errorf("pgtest: setting %q is not key=value", s)
		}
		conf += k + " = '" + v + "'\n"
	}
	f, err := os.OpenFile(filepath.Join(c.DataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgtest: open postgresql.conf: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(conf); err != nil {
		return fmt.Errorf("pgtest: write postgresql.conf: %w", err)
	}
	return nil
}

// Start starts the server (again) and waits until it accepts connections.
func (c *Cluster) Start() error {
	c.cmd = c.command("postgres", "-D", c.DataDir())
	logPath := filepath.Join(c.dir, "postgres.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: open server log: %w", err)
	}
	defer logf.Close() // the child holds its own copy of the descriptor
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	if err := c.cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w (%s)", err, InstallHint)
	}
	c.exited = make(chan error, 1)
	go func(cmd *exec.Cmd) { c.exited <- cmd.Wait() }(c.cmd)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case werr := <-c.exited:
			return fmt.Errorf("pgtest: postgres exited during start-up: %v (log: %s)", werr, logPath)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres did not accept connections within 60s: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop shuts the server down (fast mode: open sessions are disconnected) and waits.
func (c *Cluster) Stop() error {
	if c.cmd == nil || c.cmd.Process == nil {
		return nil
	}
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("pgtest: stop postgres: %w", err)
	}
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
	}
	c.cmd = nil
	return nil
}

// Remove stops the server and deletes its files.
func (c *Cluster) Remove() {
	c.Stop()
	os.RemoveAll(c.dir)
}

func postgresCredential() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root needs a 'postgres' system user to run the server as: %w (%s)", err, InstallHint)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// findBindir locates initdb and postgres: CIRADAR_PG_BINDIR, then Debian's versioned
// directories (newest first), then pg_config, then PATH.
func findBindir() (string, error) {
	var candidates []string
	if d := os.Getenv("CIRADAR_PG_BINDIR"); d != "" {
		candidates = append(candidates, d)
	}
	debian, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(debian, func(i, j int) bool { return versionOf(debian[i]) > versionOf(debian[j]) })
	candidates = append(candidates, debian...)
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	for _, d := range candidates {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", fmt.Errorf("pgtest: no initdb and postgres found: %s", InstallHint)
}

func versionOf(bindir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(bindir)))
	return v
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

package pgtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
)

// StartStandby makes a hot standby of c the way an operator would: pg_basebackup -R copies
// the primary's data directory and writes the streaming-replication settings, then the copy
// starts in recovery and replays the primary's WAL as it streams in. The standby listens on
// its own unix socket directory.
func (c *Cluster) StartStandby() (*Cluster, error) {
	dir, err := os.MkdirTemp("", "ciradar-pg-standby-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: make temp dir: %w", err)
	}
	s := &Cluster{dir: dir, bindir: c.bindir, cred: c.cred, Port: c.Port}
	if s.cred != nil {
		if err := os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: chown %s: %w", dir, err)
		}
	}
	backup := s.command("pg_basebackup", "-D", s.DataDir(), "-R", "-X", "stream", "-c", "fast",
		"-h", c.SocketDir(), "-p", fmt.Sprint(c.Port), "-U", "postgres", "--no-sync")
	if out, err := backup.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: pg_basebackup failed: %w\n%s", err, out)
	}
	// The copy carries the primary's postgresql.conf; later lines win, so these move the
	// standby to its own socket. hot_standby is on by default but is what this is about.
	if err := s.configure([]string{"hot_standby=on"}); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// A stale pid file from the copy would stop the standby from starting.
	os.Remove(filepath.Join(s.DataDir(), "postmaster.pid"))
	if err := s.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// Replicated is a primary with one streaming hot standby, each with the same migrated
// database: what a deployment that reads from a replica looks like.
type Replicated struct {
	Primary, Standby       *Cluster
	PrimaryURL, StandbyURL string // the migrated database, as the superuser
	Database               string
}

// NewReplicated starts a fresh primary (not the package's shared server: a standby copies
// a whole cluster), migrates a database on it, and starts a standby. Both are removed when
// the test ends. It needs the server binaries even when CIRADAR_TEST_DATABASE_URL is set.
func NewReplicated(t testing.TB) *Replicated {
	t.Helper()
	primary, err := StartCluster()
	if err != nil {
		t.Fatalf("pgtest: no Postgres for a replicated test: %v", err)
	}
	t.Cleanup(primary.Remove)
	r := &Replicated{Primary: primary, Database: "ciradar"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := createDatabase(ctx, primary.URL("postgres"), r.Database, ""); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	r.PrimaryURL = primary.URL(r.Database)
	if _, err := store.Migrate(ctx, r.PrimaryURL); err != nil {
		t.Fatalf("pgtest: migrate primary: %v", err)
	}
	if r.Standby, err = primary.StartStandby(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(r.Standby.Remove)
	r.StandbyURL = r.Standby.URL(r.Database)
	if err := r.WaitReplay(ctx); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return r
}

// WaitReplay waits until the standby has replayed everything the primary has written so far.
func (r *Replicated) WaitReplay(ctx context.Context) error {
	p, err := pgx.Connect(ctx, r.Primary.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to primary: %w", err)
	}
	defer p.Close(context.Background())
	var target string
	if err := p.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&target); err != nil {
		return fmt.Errorf("read primary WAL position: %w", err)
	}
	s, err := pgx.Connect(ctx, r.Standby.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to standby: %w", err)
	}
	defer s.Close(context.Background())
	for {
		var done bool
		err := s.QueryRow(ctx, "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)", target).Scan(&done)
		if err != nil {
			return fmt.Errorf("read standby replay position: %w", err)
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("standby did not replay up to %s: %w", target, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

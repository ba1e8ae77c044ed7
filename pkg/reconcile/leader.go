package reconcile

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// LockKey is the session advisory lock the reconciler's leader holds. It is arbitrary but
// fixed forever, and differs from the migration lock.
const LockKey int64 = 0x0c1_7ad_a5

// Leader holds a session-level advisory lock on one dedicated connection. The lock lives
// as long as that session: when the process dies or its connection breaks, Postgres
// releases it, and another replica's next Try takes it. Every Try of the leader first
// checks that its session is still alive, so a leader that lost its connection stops
// working within one interval (the work is idempotent, so that overlap is harmless).
type Leader struct {
	pool *pgxpool.Pool
	key  int64
	conn *pgxpool.Conn
}

// NewLeader makes a contender for key.
func NewLeader(pool *pgxpool.Pool, key int64) *Leader { return &Leader{pool: pool, key: key} }

// Try reports whether this contender leads now, taking the lock if it is free.
func (l *Leader) Try(ctx context.Context) (bool, error) {
	if l.conn != nil {
		var held bool
		err := l.conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
			AND pid = pg_backend_pid() AND objid = ($1::bigint & 4294967295)::oid AND granted)`, l.key).Scan(&held)
		if err == nil && held {
			return true, nil
		}
		l.drop()
		if err != nil {
			return false, fmt.Errorf("check leader session: %w", err)
		}
	}
	conn, err := l.pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("acquire leader connection: %w", err)
	}
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", l.key).Scan(&got); err != nil {
		conn.Release()
		return false, fmt.Errorf("try leader lock: %w", err)
	}
	if !got {
		conn.Release()
		return false, nil
	}
	l.conn = conn
	return true, nil
}

// Release gives the lock up, so that another replica can lead at once.
func (l *Leader) Release() {
	if l.conn == nil {
		return
	}
	l.conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", l.key) //nolint:errcheck // the session is closed below anyway
	l.drop()
}

// drop closes the session rather than returning it to the pool: a pooled connection that
// still held the lock would make this process lead without knowing it.
func (l *Leader) drop() {
	c := l.conn.Hijack()
	c.Close(context.Background())
	l.conn = nil
}

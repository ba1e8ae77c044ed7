package store

import (
	"context"
	"errors"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
)

// isConnectionError reports failures of the database itself (unreachable, shutting down,
// timed out) rather than of the data: retrying item by item cannot help those.
func isConnectionError(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P: operator intervention (shutdown); 53: resources.
		c := pgErr.Code
		return len(c) >= 2 && (c[:2] == "08" || c[:2] == "53" || (len(c) >= 3 && c[:3] == "57P"))
	}
	return pgconn.SafeToRetry(err)
}

// IsUnavailable reports whether err means the database could not be reached or answered
// too late, as opposed to refusing the data. Callers map it to 503.
func IsUnavailable(err error) bool { return isConnectionError(err) }

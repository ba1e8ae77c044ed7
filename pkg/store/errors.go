package store

import (
	"context"
	"errors"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
)

// Store errors are classified once, here, for every caller: the receiver maps them to its
// answers, the committer to its retries.
//   - A data error is the delivery's fault: retrying cannot help, and the sender is told
//     400 (IsDataError).
//   - An unavailable store is nobody's fault but ours for now: the answer is 503, and the
//     delivery is tried again later (IsUnavailable).

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
		// Class 08: connection exception; 57P: operator intervention (shutdown); 53:
		// resources; 57014: a statement timeout or cancel.
		c := pgErr.Code
		return len(c) >= 2 && (c[:2] == "08" || c[:2] == "53" || c == "57014" || (len(c) >= 3 && c[:3] == "57P"))
	}
	return pgconn.SafeToRetry(err)
}

// IsUnavailable reports whether err means the database could not be reached or answered
// too late, as opposed to refusing the data. Callers map it to 503.
func IsUnavailable(err error) bool { return isConnectionError(err) }

// IsDataError reports whether err is the data's fault: a payload that is malformed or
// unstorable (found before the commit), or one Postgres refused for its content: SQLSTATE
// class 22 (data exception: bad encoding, out of range, overflow), a check or not-null
// violation, or 54000 (a value past a limit, such as an index row too large).
func IsDataError(err error) bool {
	if errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnstorable) {
		return true
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	c := pgErr.Code
	return len(c) == 5 && (c[:2] == "22" || c == "23502" || c == "23514" || c == "54000")
}

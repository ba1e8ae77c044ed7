package plugin

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/jackc/pgx/v5/pgconn"
)

// SQLSTATEs the edge tells apart (Postgres, appendix A).
const (
	sqlQueryCanceled         = "57014" // statement_timeout, or a cancel request
	sqlInsufficientPrivilege = "42501"
	sqlSerializationFailure  = "40001" // on a hot standby: a query cancelled to let replay go on
	sqlClassDataException    = "22"    // bad bytes, out-of-range values, bad formats
	sqlClassProgramLimit     = "54"    // statement too complex, array too large
)

// failure is what the edge knows about a failed call besides its error.
type failure struct {
	what     string        // the query type or resource, for the message
	canceled bool          // the caller's context ended: Grafana gave up, not the database
	elapsed  time.Duration // since the call began
	timeout  time.Duration // the statement timeout the plugin set
}

// classify turns an error into the answer Grafana shows, once, at the edge, with errors.As
// and SQLSTATEs, never by reading messages. The user's query, a service we read and the
// database itself are all downstream; only what is left is the plugin's own fault.
func classify(err error, f failure) backend.DataResponse {
	var bad *query.BadQueryError
	var up *query.UpstreamError
	var pg *pgconn.PgError
	isPg := errors.As(err, &pg)
	switch {
	case errors.As(err, &bad):
		return downstream(backend.StatusBadRequest, err)
	case errors.As(err, &up):
		return downstream(backend.StatusBadGateway, err)
	case isPg && pg.Code == sqlQueryCanceled && !f.canceled && f.elapsed >= f.timeout:
		// The query asked for more work than the timeout allows: the user can narrow it.
		return downstream(backend.StatusBadRequest, fmt.Errorf("%s query exceeded %s; narrow the time range or the filters",
			f.what, seconds(f.timeout)))
	case isPg && pg.Code == sqlQueryCanceled:
		// Cancelled before its time: by Grafana going away, or by an operator.
		return downstream(backend.StatusBadGateway, fmt.Errorf("%s query was cancelled by the database (SQLSTATE %s)", f.what, pg.Code))
	case isPg && pg.Code == sqlSerializationFailure:
		// The plugin runs no serializable transactions: this is a standby's recovery conflict,
		// which a retry usually clears.
		return downstream(backend.Status(http.StatusServiceUnavailable), fmt.Errorf("the database cancelled the %s query to apply changes from its primary (SQLSTATE %s, a recovery conflict on a hot standby); retry, or raise max_standby_streaming_delay or turn on hot_standby_feedback on the standby",
			f.what, pg.Code))
	case isPg && sqlClass(pg.Code) == sqlClassDataException:
		// Validation refuses what it can name up front; this is what it could not foresee.
		return downstream(backend.StatusBadRequest, fmt.Errorf("the database refused a value of the %s query (SQLSTATE %s): %s; check its filters and fields",
			f.what, pg.Code, query.Echo(pg.Message)))
	case isPg && sqlClass(pg.Code) == sqlClassProgramLimit:
		return downstream(backend.StatusBadRequest, fmt.Errorf("the %s query is too large for the database (SQLSTATE %s): %s; use fewer filter values",
			f.what, pg.Code, query.Echo(pg.Message)))
	case isPg && pg.Code == sqlInsufficientPrivilege:
		// The configured user lacks a grant: the data source's settings, not the plugin.
		return downstream(backend.StatusForbidden, fmt.Errorf("the database user may not read what the %s query needs (SQLSTATE %s): %s; connect as ciradar_reader after `ciradar migrate`",
			f.what, pg.Code, query.Echo(pg.Message)))
	case store.IsUnavailable(err):
		return downstream(backend.StatusBadGateway, fmt.Errorf("database unavailable: %w", err))
	}
	return backend.DataResponse{Error: err, ErrorSource: backend.ErrorSourcePlugin, Status: backend.StatusInternal}
}

func downstream(status backend.Status, err error) backend.DataResponse {
	return backend.DataResponse{Error: backend.DownstreamError(err), ErrorSource: backend.ErrorSourceDownstream, Status: status}
}

func sqlClass(code string) string {
	if len(code) < 2 {
		return ""
	}
	return code[:2]
}

// seconds writes a timeout as "30 s".
func seconds(d time.Duration) string {
	return fmt.Sprintf("%g s", d.Seconds())
}

// Package query holds the data source's query types. Each file is one type: its request
// model, its SQL (bound parameters only: no filter value ever becomes SQL text) and the
// frames it builds. The plugin package registers them in one table and does nothing else
// with them, so the logic here is testable without the SDK's server.
package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/status"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// DB is what queries need from the database: a *pgxpool.Pool satisfies it.
type DB interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// StatusSource is what github_status and the incident annotations need from the status
// page client.
type StatusSource interface {
	Summary(ctx context.Context) (status.Summary, error)
	Incidents(ctx context.Context) ([]status.Incident, error)
}

// Env is what a query may use.
type Env struct {
	DB     DB
	Status StatusSource
	// GitHubWebURL is the web address every GitHub link starts with (weburl.go).
	GitHubWebURL string
	Rates        Rates             // cost's price table; the zero value means DefaultRateTable
	Limits       ConcurrencyLimits // concurrency's threshold lines
}

// Request is one query, already taken out of the SDK's types.
type Request struct {
	RefID         string
	From, To      time.Time
	Interval      time.Duration // Grafana's suggested bucket
	MaxDataPoints int64
	JSON          json.RawMessage // the whole query JSON, queryType included
	FromAlert     bool            // evaluated by alerting: answers must not differ, see Run
	// Scope is the data source instance's (see Scope), set by the plugin from its settings.
	Scope Scope
}

// Func runs one query type.
type Func func(ctx context.Context, env Env, req Request) (data.Frames, error)

// BadQueryError is a query the user must fix: unknown type, bad JSON, impossible range or
// a value out of its set. The plugin maps it to a 400 with the message as written.
type BadQueryError struct{ Msg string }

func (e *BadQueryError) Error() string { return e.Msg }

func badQuery(format string, args ...any) error {
	return &BadQueryError{Msg: fmt.Sprintf(format, args...)}
}

// maxRange bounds a query's time range: past it a dashboard typo (a year instead of a day)
// would scan the whole store.
const maxRange = 400 * 24 * time.Hour

// Validate checks what every query shares, so that no value Postgres would refuse gets
// that far: the time range, and every string of the query JSON.
func (r Request) Validate() error {
	switch {
	case r.From.IsZero() || r.To.IsZero():
		return badQuery("time range is missing")
	case !r.To.After(r.From):
		return badQuery("time range is empty or reversed: from %s is not before to %s",
			r.From.UTC().Format(time.RFC3339), r.To.UTC().Format(time.RFC3339))
	case r.To.Sub(r.From) > maxRange:
		return badQuery("time range of %s is longer than the %d days a query may cover",
			r.To.Sub(r.From).Round(time.Hour), int(maxRange.Hours()/24))
	}
	if err := checkTimes(r); err != nil {
		return err
	}
	return checkJSONText(r.JSON)
}

// decode reads the query's own fields into m, rejecting malformed JSON with what is wrong,
// and gives a model that embeds common the request's scope.
func decode(req Request, m any) error {
	if len(req.JSON) > 0 {
		if err := json.Unmarshal(req.JSON, m); err != nil {
			return badQuery("query JSON is invalid: %s", Echo(err.Error()))
		}
	}
	if s, ok := m.(interface{ setScope(Scope) }); ok {
		s.setScope(req.Scope)
	}
	return nil
}

// oneOf checks an enumerated field, applying its default when empty.
func oneOf(field, value, def string, allowed ...string) (string, error) {
	if value == "" {
		return def, nil
	}
	for _, a := range allowed {
		if value == a {
			return value, nil
		}
	}
	return "", badQuery("%s %q is not one of %s", field, truncate(value, 80), strings.Join(allowed, ", "))
}

// limitOf applies a default and a ceiling to a row limit.
func limitOf(v, def, ceiling int) (int, error) {
	switch {
	case v == 0:
		return def, nil
	case v < 0 || v > ceiling:
		return 0, badQuery("limit %d is outside 1..%d", v, ceiling)
	}
	return v, nil
}

// truncate keeps error messages short when a hostile or mistaken value is huge.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// collect runs a statement and scans every row with scan. The statement's text goes into
// the error so that a failing panel says which query failed, never its argument values.
func collect(ctx context.Context, db DB, st *stmt, scan func(pgx.Rows) error) error {
	if g, ok := db.(scopeGuard); ok {
		if st.scopeMissing || !(st.scoped || st.repoFree) {
			return fmt.Errorf("%s query does not apply the data source's scope, so it is not run", st.name)
		}
		db = g.db
	}
	rows, err := db.Query(ctx, st.sql(), st.args...)
	if err != nil {
		return fmt.Errorf("run %s query: %w", st.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("read %s rows: %w", st.name, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s rows: %w", st.name, err)
	}
	return nil
}

// IsBadQuery reports whether err is the user's to fix.
func IsBadQuery(err error) bool {
	var bq *BadQueryError
	return errors.As(err, &bq)
}

// Run runs one query type. On a scoped request the query gets a DB that only collect can
// use, and only for statements that applied the scope (see Scope): a query type that
// forgot it fails instead of answering with every repository.
func Run(ctx context.Context, f Func, env Env, req Request) (data.Frames, error) {
	if !req.Scope.IsZero() {
		env.DB = scopeGuard{db: env.DB}
	}
	return f(ctx, env, req)
}

// scopeGuard is the DB of a scoped request: collect unwraps it after checking the
// statement, and any other use is refused.
type scopeGuard struct{ db DB }

func (scopeGuard) Query(context.Context, string, ...any) (pgx.Rows, error) {
	return nil, errors.New("a statement was run outside collect on a scoped data source, so it is not run")
}

package plugin

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/query"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestClassify covers every branch of the edge's classification with the error values pgx
// and package query return. Real database round trips for the timeout, the data errors
// and the hostile inputs are in hosttest.
func TestClassify(t *testing.T) {
	pg := func(code, msg string) error {
		return fmt.Errorf("run jobs query: %w", &pgconn.PgError{Severity: "ERROR", Code: code, Message: msg})
	}
	slow := failure{what: "jobs", elapsed: 31 * time.Second, timeout: 30 * time.Second}
	quick := failure{what: "jobs", elapsed: time.Second, timeout: 30 * time.Second}
	gone := failure{what: "jobs", canceled: true, elapsed: 31 * time.Second, timeout: 30 * time.Second}
	tests := []struct {
		name   string
		err    error
		f      failure
		status backend.Status
		source backend.ErrorSource
		want   string
	}{
		{"bad query", &query.BadQueryError{Msg: "limit -1 is outside 1..5000"}, quick, 400, backend.ErrorSourceDownstream, "limit -1"},
		{"status page", &query.UpstreamError{Service: "status page", Err: errors.New("503")}, quick, 502, backend.ErrorSourceDownstream, "status page"},
		{"statement timeout", pg("57014", "canceling statement due to statement timeout"), slow, 400, backend.ErrorSourceDownstream,
			"jobs query exceeded 30 s; narrow the time range or the filters"},
		{"cancelled early by an operator", pg("57014", "canceling statement due to user request"), quick, 502, backend.ErrorSourceDownstream, "cancelled by the database"},
		{"Grafana gave up", pg("57014", "canceling statement due to user request"), gone, 502, backend.ErrorSourceDownstream, "cancelled"},
		{"NUL byte", pg("22021", `invalid byte sequence for encoding "UTF8": 0x00`), quick, 400, backend.ErrorSourceDownstream, "SQLSTATE 22021"},
		{"out of range", pg("22003", "value \""+strings.Repeat("9", 5000)+"\" is out of range for type integer"), quick, 400, backend.ErrorSourceDownstream, "refused a value of the jobs query"},
		{"too complex", pg("54001", "stack depth limit exceeded"), quick, 400, backend.ErrorSourceDownstream, "too large"},
		{"no grant", pg("42501", "permission denied for table deliveries"), quick, 403, backend.ErrorSourceDownstream, "ciradar_reader"},
		{"server shutting down", pg("57P01", "terminating connection due to administrator command"), quick, 502, backend.ErrorSourceDownstream, "database unavailable"},
		{"cannot connect", &pgconn.ConnectError{}, quick, 502, backend.ErrorSourceDownstream, "database unavailable"},
		{"too many connections", pg("53300", "too many clients"), quick, 502, backend.ErrorSourceDownstream, "database unavailable"},
		{"a bug", errors.New("frame has 3 fields, want 4"), quick, 500, backend.ErrorSourcePlugin, "frame has"},
		{"a syntax error is ours", pg("42601", "syntax error"), quick, 500, backend.ErrorSourcePlugin, "syntax error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := classify(tc.err, tc.f)
			if r.Status != tc.status || r.ErrorSource != tc.source || r.Error == nil || !strings.Contains(r.Error.Error(), tc.want) {
				t.Fatalf("got %d %q %v; want %d %q saying %q", r.Status, r.ErrorSource, r.Error, tc.status, tc.source, tc.want)
			}
			if len(r.Error.Error()) > 600 {
				t.Errorf("message is %d bytes: values must be cut to %d characters", len(r.Error.Error()), query.MaxEcho)
			}
		})
	}
}

func TestParseParams(t *testing.T) {
	tests := []struct {
		name, url string
		want      url.Values
		err       string
	}{
		{"none", "variables/repos", url.Values{}, ""},
		{"two", "variables/repos?org=octo&repo=octo%2Fa", url.Values{"org": {"octo"}, "repo": {"octo/a"}}, ""},
		{"plus is a space", "variables/repos?org=a+b", url.Values{"org": {"a b"}}, ""},
		{"empty pairs", "variables/repos?&org=a&&", url.Values{"org": {"a"}}, ""},
		{"fragment ignored", "variables/repos?org=a#x", url.Values{"org": {"a"}}, ""},
		{"%ZZ", "variables/repos?org=%ZZ", nil, `parameter "org" is not valid percent-encoding`},
		{"%ZZ in a name", "variables/repos?%ZZ=1", nil, "parameter name"},
		{"NUL in a name", "variables/repos?o%00rg=1", nil, "a parameter name holds a NUL byte"},
		{"twice", "variables/repos?repo=a&repo=b", nil, "given more than once"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseParams(tc.url)
			if tc.err != "" {
				if err == nil || !query.IsBadQuery(err) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestConnectionTimeouts: the pool's connections carry the configured timeout whatever the
// user's own default: ciradar_reader's role default is 30 s, the superuser has none.
func TestConnectionTimeouts(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	u, _ := url.Parse(dbURL)
	for _, tc := range []struct {
		user, setting, want string
	}{
		{"ciradar_reader", `, "queryTimeoutSeconds": 7`, "7s"},
		{u.User.Username(), `, "queryTimeoutSeconds": "120"`, "2min"},
		{u.User.Username(), ``, "30s"},
	} {
		t.Run(tc.user+"/"+tc.want, func(t *testing.T) {
			js := fmt.Sprintf(`{"host": %q, "database": %q, "user": %q, "sslmode": "disable"%s}`,
				u.Query().Get("host"), strings.TrimPrefix(u.Path, "/"), tc.user, tc.setting)
			inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{JSONData: []byte(js)})
			if err != nil {
				t.Fatal(err)
			}
			d := inst.(*Datasource)
			defer d.Dispose()
			var stmt, idle, user string
			if err := d.pool.QueryRow(context.Background(), "SELECT current_setting('statement_timeout'), current_setting('idle_in_transaction_session_timeout'), current_user").Scan(&stmt, &idle, &user); err != nil {
				t.Fatal(err)
			}
			if stmt != tc.want || idle != tc.want || user != tc.user {
				t.Fatalf("as %s: statement_timeout %s, idle_in_transaction_session_timeout %s; want %s as %s", user, stmt, idle, tc.want, tc.user)
			}
		})
	}
}

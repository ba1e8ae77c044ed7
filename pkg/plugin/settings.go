// Package plugin is the thin seam between Grafana's plugin SDK and CI Radar: it reads the
// data source settings, owns the connection pool of one data source instance, and forwards
// queries, health checks, resource calls and annotations to package query, classifying
// errors once on the way out. Nothing here knows SQL.
package plugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/status"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Settings are one data source's configuration (docs/queries.md, "Data source settings").
type Settings struct {
	Host               string `json:"host"`
	Port               number `json:"port"`
	Database           string `json:"database"`
	User               string `json:"user"`
	SSLMode            string `json:"sslmode"`
	MaxConns           number `json:"maxConns"`
	StatusPageURL      string `json:"statusPageUrl"`
	StaleIngestMinutes number `json:"staleIngestMinutes"`
	// ScopeJSON is jsonData.scope as sent, read by loadScope into scope (docs/scope.md).
	ScopeJSON json.RawMessage `json:"scope"`
	// QueryTimeoutSeconds bounds every statement the plugin runs, whatever the user's own
	// default: a role without one would otherwise let a wide dashboard query run for ever.
	QueryTimeoutSeconds number `json:"queryTimeoutSeconds"`
	// ReplicaLagSeconds is how far a hot standby may trail its primary before health warns
	// and answers become errors that still carry their frames (docs/scaling.md).
	ReplicaLagSeconds number `json:"replicaLagSeconds"`
	// GitHubWebURL is where GitHub's web pages are (https://github.com, or a GitHub
	// Enterprise Server's address): every link the queries build starts with it.
	GitHubWebURL string `json:"githubWebURL"`
	CostSettings        // cost rates and concurrency limits (settings_cost.go)

	password string // from secureJsonData; unexported so it never reaches a log or JSON
	scope    query.Scope
	// scopeErr is a malformed scope. It does not stop the instance from loading, so that
	// the health check can name the wrong entry, but every query and resource refuses.
	scopeErr error
}

// DefaultQueryTimeoutSeconds is the statement timeout when the settings name none.
const DefaultQueryTimeoutSeconds = 30

// DefaultReplicaLagSeconds is the standby lag past which answers are marked stale: a few
// dashboard refreshes, well past the sub-second lag of a healthy streaming standby.
const DefaultReplicaLagSeconds = 120

// maxQueryTimeoutSeconds keeps a typo (a timeout in milliseconds) from meaning "unbounded".
const maxQueryTimeoutSeconds = 3600

var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// LoadSettings reads and validates the settings, applying defaults to empty fields. Every
// problem is reported at once.
func LoadSettings(s backend.DataSourceInstanceSettings) (Settings, error) {
	st := Settings{}
	if len(s.JSONData) > 0 {
		if err := json.Unmarshal(s.JSONData, &st); err != nil {
			return Settings{}, fmt.Errorf("data source settings are not valid JSON: %w", err)
		}
	}
	st.password = s.DecryptedSecureJSONData["password"]
	st.scope, st.scopeErr = loadScope(st.ScopeJSON)
	st.defaults()
	err := st.validate() // before st is returned: it builds the rate table
	return st, err
}

func (s *Settings) defaults() {
	s.Host = strings.TrimSpace(s.Host)
	if s.Host == "" {
		s.Host = "localhost"
	}
	if s.Port == 0 {
		s.Port = 5432
	}
	if s.Database == "" {
		s.Database = "ciradar"
	}
	if s.User == "" {
		s.User = "ciradar_reader"
	}
	if s.SSLMode == "" {
		s.SSLMode = "prefer"
	}
	if s.MaxConns == 0 {
		s.MaxConns = 4
	}
	if s.StatusPageURL == "" {
		s.StatusPageURL = status.DefaultURL
	}
	if s.StaleIngestMinutes == 0 {
		s.StaleIngestMinutes = 60
	}
	if s.QueryTimeoutSeconds == 0 {
		s.QueryTimeoutSeconds = DefaultQueryTimeoutSeconds
	}
	if s.ReplicaLagSeconds == 0 {
		s.ReplicaLagSeconds = DefaultReplicaLagSeconds
	}
	s.GitHubWebURL = strings.TrimRight(strings.TrimSpace(s.GitHubWebURL), "/")
	if s.GitHubWebURL == "" {
		s.GitHubWebURL = query.DefaultGitHubWebURL
	}
	s.CostSettings.defaults()
}

func (s *Settings) validate() error {
	errs := s.CostSettings.validate()
	if s.Port < 1 || s.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d is not between 1 and 65535", s.Port))
	}
	if !contains(sslModes, s.SSLMode) {
		errs = append(errs, fmt.Errorf("sslmode %q is not one of %s", s.SSLMode, strings.Join(sslModes, ", ")))
	}
	if s.MaxConns < 1 || s.MaxConns > 100 {
		errs = append(errs, fmt.Errorf("maxConns %d is not between 1 and 100", s.MaxConns))
	}
	if s.StaleIngestMinutes < 1 {
		errs = append(errs, fmt.Errorf("staleIngestMinutes %d must be at least 1", s.StaleIngestMinutes))
	}
	if s.QueryTimeoutSeconds < 1 || s.QueryTimeoutSeconds > maxQueryTimeoutSeconds {
		errs = append(errs, fmt.Errorf("queryTimeoutSeconds %d is not between 1 and %d", s.QueryTimeoutSeconds, maxQueryTimeoutSeconds))
	}
	if s.ReplicaLagSeconds < 1 || s.ReplicaLagSeconds > 7*24*3600 {
		errs = append(errs, fmt.Errorf("replicaLagSeconds %d is not between 1 and %d (a week)", s.ReplicaLagSeconds, 7*24*3600))
	}
	if u, err := url.Parse(s.StatusPageURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("statusPageUrl %q is not an http(s) URL", s.StatusPageURL))
	}
	if u, err := url.Parse(s.GitHubWebURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		errs = append(errs, fmt.Errorf("githubWebURL %q is not an http(s) URL without query, fragment or credentials", query.Echo(s.GitHubWebURL)))
	}
	for name, v := range map[string]string{"host": s.Host, "database": s.Database, "user": s.User} {
		if strings.ContainsAny(v, "\x00") {
			errs = append(errs, fmt.Errorf("%s holds a NUL byte", name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid data source settings: %w", err)
	}
	return nil
}

// StaleAfter is the age past which the newest delivery makes health a warning.
func (s Settings) StaleAfter() time.Duration {
	return time.Duration(s.StaleIngestMinutes) * time.Minute
}

// ReplicaLag is the standby lag past which answers are marked stale.
func (s Settings) ReplicaLag() time.Duration {
	return time.Duration(s.ReplicaLagSeconds) * time.Second
}

// QueryTimeout is the statement timeout the plugin sets on every connection.
func (s Settings) QueryTimeout() time.Duration {
	return time.Duration(s.QueryTimeoutSeconds) * time.Second
}

// PoolConfig builds the pgx pool configuration. The password is set on the parsed config,
// never written into a connection string, so no parse error can quote it.
func (s Settings) PoolConfig() (*pgxpool.Config, error) {
	dsn := fmt.Sprintf("host=%s port=%d dbname=%s user=%s sslmode=%s connect_timeout=5 application_name=ciradar-ciradar-datasource",
		dsnQuote(s.Host), s.Port, dsnQuote(s.Database), dsnQuote(s.User), s.SSLMode)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database settings: %w", err)
	}
	cfg.ConnConfig.Password = s.password
	// Dashboard queries sort and group up to millions of jobs: with Postgres's default 4 MB
	// they spill to disk. JIT compiles each big query afresh and costs more than it saves
	// on queries that run in well under a second.
	cfg.ConnConfig.RuntimeParams["work_mem"] = "64MB"
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	// pgx prepares every statement, and from its sixth run Postgres may switch to a generic
	// plan made without the range's values: for a 7-day range it picked a plan that did not
	// finish in 30 s. Each dashboard query is planned for its own range instead.
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	// The timeout goes in the startup packet, which takes precedence over the role's and the
	// database's defaults: it holds for whatever user the data source is configured with,
	// and a session cannot start without it. Lock waits count against it, so no separate
	// lock_timeout is set: the reader only ever waits on a migration's lock, and that wait
	// gets the same bounded answer. The plugin opens no transactions; should one ever be
	// left idle, the server ends it rather than let it hold a snapshot and its locks.
	ms := strconv.FormatInt(s.QueryTimeout().Milliseconds(), 10)
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = ms
	cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = ms
	cfg.MaxConns = int32(s.MaxConns)
	cfg.MaxConnIdleTime = 5 * time.Minute
	return cfg, nil
}

// dsnQuote quotes a keyword/value connection string value.
func dsnQuote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

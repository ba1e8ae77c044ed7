package plugin

import (
	"context"
	"fmt"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/status"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Datasource is one configured CI Radar data source. Grafana makes a new one whenever the
// settings change and disposes of the old one, which closes its pool.
type Datasource struct {
	settings Settings
	pool     *pgxpool.Pool
	status   *status.Client

	replicaState replicaCache
}

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// NewDatasource is the instance factory datasource.Manage calls. It validates settings and
// builds the pool, which connects lazily: a database that is down makes queries and health
// fail with a clear message, it does not make the data source unloadable.
func NewDatasource(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	settings, err := LoadSettings(s)
	if err != nil {
		return nil, err
	}
	cfg, err := settings.PoolConfig()
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(context.WithoutCancel(ctx), cfg)
	if err != nil {
		return nil, fmt.Errorf("create database pool: %w", err)
	}
	return &Datasource{settings: settings, pool: pool, status: status.New(settings.StatusPageURL, nil)}, nil
}

// Dispose closes the pool of a data source whose settings changed or that was deleted.
func (d *Datasource) Dispose() { d.pool.Close() }

func (d *Datasource) env() query.Env {
	return query.Env{DB: d.pool, Status: d.status, GitHubWebURL: d.settings.GitHubWebURL, Rates: d.settings.rates, Limits: d.settings.Limits()}
}

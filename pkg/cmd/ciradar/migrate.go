package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ciradar/ciradar/pkg/store"
)

var migrateCommand = command{
	name:    "migrate",
	summary: "apply the database migrations this binary embeds, then exit",
	setup: func(cfg *config) func(context.Context) error {
		db := addDatabaseFlags(cfg)
		logs := addLogFlags(cfg)
		return func(ctx context.Context) error {
			log := logs.logger()
			return migrate(ctx, db.url, log)
		}
	},
}

func migrate(ctx context.Context, url string, log *slog.Logger) error {
	applied, err := store.Migrate(ctx, url)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	log.Info("schema is current", "applied_now", applied, "version", store.LatestVersion())
	return nil
}

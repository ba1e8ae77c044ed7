package main

import (
	"context"
	"fmt"

	"github.com/ciradar/ciradar/pkg/store"
)

var reprojectCommand = command{
	name:    "reproject",
	summary: "rebuild every projection from the raw delivery log",
	setup: func(cfg *config) func(context.Context) error {
		db := addDatabaseFlags(cfg)
		logs := addLogFlags(cfg)
		var batch int
		cfg.Int(&batch, "batch", "CIRADAR_REPROJECT_BATCH", 2000, "deliveries read per round")
		return func(ctx context.Context) error {
			log := logs.logger()
			s, err := db.migrateAndOpen(ctx, log)
			if err != nil {
				return err
			}
			defer s.Close()
			st, err := s.Reproject(ctx, batch)
			if err != nil {
				return fmt.Errorf("reproject: %w", err)
			}
			log.Info("projections rebuilt", "deliveries", st.Deliveries, "projected", st.Projected, "skipped", st.Skipped)
			// The rollups summarise the old projections: roll everything up again.
			rs, err := s.RebuildRollups(ctx, store.RollupOptions{})
			if err != nil {
				return fmt.Errorf("reproject: %w", err)
			}
			log.Info("rollups rebuilt", "hours", rs.Hours, "watermark", rs.Watermark)
			return nil
		}
	},
}

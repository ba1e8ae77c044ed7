package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ciradar/ciradar/pkg/store"
)

var compactCommand = command{
	name:    "compact",
	summary: "check the raw delivery log, train a payload dictionary, or re-encode old payloads",
	setup: func(cfg *config) func(context.Context) error {
		db := addDatabaseFlags(cfg)
		logs := addLogFlags(cfg)
		var retrain, force, rewrite bool
		var batch, sample int
		cfg.Bool(&retrain, "retrain", "CIRADAR_COMPACT_RETRAIN", false,
			"train a dictionary on the newest payloads, and adopt it if it stores them smaller")
		cfg.Bool(&force, "force", "CIRADAR_COMPACT_FORCE", false, "with -retrain: adopt the new dictionary even if it is not smaller")
		cfg.Int(&sample, "sample", "CIRADAR_COMPACT_SAMPLE", dictionarySample, "with -retrain: how many of the newest payloads to train on")
		cfg.Bool(&rewrite, "rewrite", "CIRADAR_COMPACT_REWRITE", false,
			"re-encode payloads stored as received or with an older dictionary with the newest one (rewrites history)")
		cfg.Int(&batch, "batch", "CIRADAR_COMPACT_BATCH", 1000, "deliveries read per round")
		return func(ctx context.Context) error {
			log := logs.logger()
			s, err := db.migrateAndOpen(ctx, log)
			if err != nil {
				return err
			}
			defer s.Close()
			if err := s.EnsureDictionary(ctx); err != nil {
				return fmt.Errorf("compact: %w", err)
			}
			if retrain {
				info, err := s.TrainDictionary(ctx, sample, force)
				if err != nil {
					return fmt.Errorf("compact: %w", err)
				}
				log.Info("payload dictionary trained", "id", info.ID, "kind", info.Kind, "samples", info.Samples, "bytes", info.Bytes,
					"mean_before", int(info.Before), "mean_after", int(info.After), "adopted", info.Adopted)
			}
			st, err := s.Compact(ctx, rewrite, batch)
			if err != nil {
				return err
			}
			var formats []string
			for f, n := range st.ByFormat {
				formats = append(formats, fmt.Sprintf("%s: %d", f, n))
			}
			slices.Sort(formats)
			log.Info("raw log checked", "rows", st.Rows, "bytes", st.Bytes, "formats", strings.Join(formats, ", "),
				"rewritten", st.Rewritten, "corrupt", len(st.Corrupt))
			if len(st.Corrupt) > 0 {
				shown := st.Corrupt[:min(len(st.Corrupt), 20)]
				return fmt.Errorf("compact: %w: %d, first %s", store.ErrCorruptPayloads, len(st.Corrupt), strings.Join(shown, ", "))
			}
			return nil
		}
	},
}

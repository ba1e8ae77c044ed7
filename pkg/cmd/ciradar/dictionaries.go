package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
)

// dictionarySample is how many of the newest payloads a retrain reads: enough to cover
// every repository and event a busy organisation sends in a day, and a few seconds' work.
const dictionarySample = 5000

// dictionaryLoop keeps the payload dictionaries current (docs/scaling.md, "A compact raw
// log"). Every replica reloads them each tick, so a dictionary one replica adopts encodes
// everywhere within a minute. The leading replica also trains a new one after every
// retrainAfter deliveries, and adopts it only if it stores payloads smaller.
func dictionaryLoop(ctx context.Context, s *store.Store, every time.Duration, retrainAfter int, leading func() bool, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	tried := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.LoadDictionaries(ctx); err != nil && ctx.Err() == nil {
			log.Warn("reloading payload dictionaries failed", "error", err)
		}
		// A retrain that did not beat the newest dictionary waits an hour before the next.
		if retrainAfter <= 0 || !leading() || time.Since(tried) < time.Hour {
			continue
		}
		due, err := s.RetrainDue(ctx, retrainAfter)
		if err != nil || !due {
			continue
		}
		tried = time.Now()
		info, err := s.TrainDictionary(ctx, dictionarySample, false)
		if err != nil {
			log.Warn("training a payload dictionary failed", "error", err)
			continue
		}
		log.Info("payload dictionary trained", "id", info.ID, "kind", info.Kind, "samples", info.Samples, "bytes", info.Bytes,
			"mean_before", int(info.Before), "mean_after", int(info.After), "adopted", info.Adopted)
		if info.Adopted {
			tried = time.Time{}
		}
	}
}

package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
)

// dictionarySample is how many of the newest payloads a retrain reads at most: enough to
// cover every repository and event a busy organisation sends in a day, and a few seconds'
// work. The store stops sooner once the payloads hold 12 MB (about 1,600 job events).
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
		info, err := trainLean(ctx, s)
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

// trainGCPercent is the collector's target while a retrain holds its sample. serve runs at
// GOGC=400 (tuneGC), which lets the heap grow to five times what is live: with the sample
// live for the seconds the training takes, that grew the receiver to its 192 MiB soft
// limit under load (BENCHMARKS.md, "Session 8: receiver memory"). Collecting more often
// for those seconds costs a little CPU once per retrain.
const trainGCPercent = 100

// trainLean trains a dictionary with the collector at trainGCPercent, or at the GOGC the
// operator set when that is lower or off, and restores it afterwards.
func trainLean(ctx context.Context, s *store.Store) (store.DictionaryInfo, error) {
	prev := debug.SetGCPercent(trainGCPercent)
	if prev <= trainGCPercent {
		debug.SetGCPercent(prev)
	}
	defer debug.SetGCPercent(prev)
	return s.TrainDictionary(ctx, dictionarySample, false)
}

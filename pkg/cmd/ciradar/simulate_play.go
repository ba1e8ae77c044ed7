package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/ciradar/ciradar/pkg/simulate"
)

// play sends the history as fast as accepted, then the rest at the chosen speed.
func play(ctx context.Context, sim *simulate.Simulator, f *simulateFlags, start time.Time, afterHistory func()) error {
	if f.since > 0 {
		if err := sim.RunFast(ctx, start.Add(f.since)); err != nil {
			return fmt.Errorf("history: %w", err)
		}
	}
	afterHistory()
	var end time.Time
	if f.duration > 0 {
		end = start.Add(f.since + f.duration)
	}
	switch {
	case f.speed == 0 && f.duration > 0:
		return sim.RunFast(ctx, end)
	case f.speed > 0:
		return sim.RunPaced(ctx, end, f.speed)
	}
	return nil
}

func writeTruth(path string, t simulate.Truth) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("encode truth: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write truth: %w", err)
	}
	return nil
}

package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	"github.com/klauspost/compress/zstd"
)

// rawDictionaries compares, outside the store, the trained dictionary at three levels with
// raw-content dictionaries: the newest payload of each repository and event of an earlier
// stream of the same world, concatenated (newest last: zstd codes near offsets cheaper),
// capped at a size. A trained dictionary keeps about 20 KB of what all payloads share; the
// full shape repeats a 5 KB repository object that only a dictionary holding that
// repository can match.
func rawDictionaries(earlier, measured []store.Item, trained []byte) error {
	fmt.Println("\ndictionaries and levels (measured outside the store; raw-content is not a stored format):")
	fmt.Println("dictionary bytes  level     job payload  run payload  µs/payload")
	for _, lvl := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression} {
		if err := measureEncoder(measured, len(trained), lvl, zstd.WithEncoderDict(trained)); err != nil {
			return err
		}
	}
	newest := map[string]int{}
	for i, it := range earlier {
		newest[fmt.Sprint(repoOf(it), it.Delivery.Event)] = i
	}
	order := make([]int, 0, len(newest))
	for _, i := range newest {
		order = append(order, i)
	}
	slices.Sort(order)
	for _, limit := range []int{256 << 10, 1 << 20, 8 << 20} {
		var content []byte
		for k := len(order) - 1; k >= 0 && len(content) < limit; k-- {
			content = slices.Concat(earlier[order[k]].Delivery.Payload, content)
		}
		for _, lvl := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault} {
			if err := measureEncoder(measured, len(content), lvl, zstd.WithEncoderDictRaw(3, content)); err != nil {
				return err
			}
		}
	}
	return nil
}

// measureEncoder prints the mean compressed size of the measured payloads by event, and
// the encoding time per payload, for one dictionary and level.
func measureEncoder(measured []store.Item, dictBytes int, lvl zstd.EncoderLevel, dict zstd.EOption) error {
	e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(lvl), zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(false), zstd.WithZeroFrames(true), dict)
	if err != nil {
		return fmt.Errorf("encoder: %w", err)
	}
	defer e.Close()
	sum, n := map[string]int{}, map[string]int{}
	buf := make([]byte, 0, 64<<10)
	t0 := time.Now()
	for _, it := range measured {
		buf = e.EncodeAll(it.Delivery.Payload, buf[:0])
		sum[it.Delivery.Event] += len(buf)
		n[it.Delivery.Event]++
	}
	took := time.Since(t0)
	fmt.Printf("%16d  %-8v %12.0f %12.0f %11.1f\n", dictBytes, lvl,
		float64(sum["workflow_job"])/float64(n["workflow_job"]), float64(sum["workflow_run"])/float64(n["workflow_run"]),
		float64(took.Microseconds())/float64(len(measured)))
	return nil
}

// repoOf is the repository id of a delivery's projection.
func repoOf(it store.Item) int64 {
	if it.Projection.Job != nil {
		return it.Projection.Job.RepoID
	}
	if it.Projection.Run != nil {
		return it.Projection.Run.RepoID
	}
	return 0
}

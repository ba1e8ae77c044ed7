package simulate

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"
)

// rng wraps the world's one random stream with the draws the world needs.
type rng struct{ *rand.Rand }

func newRNG(seed uint64, stream uint64) rng {
	return rng{rand.New(rand.NewPCG(seed, stream))}
}

func (r rng) chance(p float64) bool { return p > 0 && r.Float64() < p }

// between draws uniformly from [lo, hi].
func (r rng) between(lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }

// secondsBetween draws a whole number of seconds in [lo, hi]: GitHub's timestamps have
// second resolution, and whole seconds keep every derived figure exact.
func (r rng) secondsBetween(lo, hi int) time.Duration {
	if hi <= lo {
		return time.Duration(lo) * time.Second
	}
	return time.Duration(lo+r.IntN(hi-lo+1)) * time.Second
}

// minutes draws a duration from a minute range, skewed towards the low end the way job
// run times are, rounded to whole seconds and at least one.
func (r rng) minutes(rg [2]float64) time.Duration {
	u := r.Float64()
	m := rg[0] + (rg[1]-rg[0])*u*u
	return max(time.Duration(math.Round(m*60))*time.Second, time.Second)
}

// exp draws an exponential gap with the given mean.
func (r rng) exp(mean time.Duration) time.Duration {
	return time.Duration(r.ExpFloat64() * float64(mean))
}

// weighted picks an index with probability proportional to its weight.
func (r rng) weighted(weights []float64) int {
	var total float64
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// hash64 mixes values into one number: ids and GUIDs derive from it, so they depend on the
// world (seed and start) and not on the order anything is asked for.
func hash64(parts ...uint64) uint64 {
	h := fnv.New64a()
	var b [8]byte
	for _, p := range parts {
		for i := range b {
			b[i] = byte(p >> (8 * i))
		}
		h.Write(b[:])
	}
	return h.Sum64()
}

package store

import "time"

// The helpers below are the join operations the projections are built from. Each is
// commutative, associative and idempotent.

// joinStr prefers a non-empty string, and the greater of two non-empty ones.
func joinStr(a, b string) string {
	if b > a {
		return b
	}
	return a
}

func maxInt[T int64 | int](a, b T) T { return max(a, b) }

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func minTime(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.Before(*a):
		return b
	}
	return a
}

func maxTime(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.After(*a):
		return b
	}
	return a
}

// widenSeen stretches a first-seen/last-seen window over another one.
func widenSeen(first, last *time.Time, oFirst, oLast time.Time) {
	if oFirst.Before(*first) {
		*first = oFirst
	}
	if oLast.After(*last) {
		*last = oLast
	}
}

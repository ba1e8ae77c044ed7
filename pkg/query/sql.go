package query

import (
	"strconv"
	"strings"
	"time"
)

// stmt builds one SQL statement. Text comes only from this package's constants; every
// value the user sent goes through arg and is bound as a parameter.
type stmt struct {
	name string
	b    strings.Builder
	args []any

	// What collect checks on a scoped request (see Scope): the scope was written by where,
	// a target could not take it, or the statement reads nothing of any repository.
	scoped, scopeMissing, repoFree bool
}

// noRepoData marks a statement that reads nothing of any repository (the rollups'
// watermark), so that a scoped request may run it without a scope condition.
func (s *stmt) noRepoData() *stmt {
	s.repoFree = true
	return s
}

func newStmt(name string) *stmt { return &stmt{name: name} }

// arg binds v and returns its placeholder.
func (s *stmt) arg(v any) string {
	s.args = append(s.args, v)
	return "$" + strconv.Itoa(len(s.args))
}

func (s *stmt) add(parts ...string) *stmt {
	for _, p := range parts {
		s.b.WriteString(p)
	}
	return s
}

func (s *stmt) sql() string { return s.b.String() }

// bucketFor picks the time bucket: Grafana's interval, widened so that the answer stays
// under maxDataPoints (and under maxBuckets whatever Grafana asks), in whole seconds. From
// half an hour up it is whole hours, rounded up, so that hourly rollups fill buckets
// exactly: a 30-day panel 1,000 points wide asked for 43m12s, which no rollup serves, and
// read every row of the month (issue 18). It shows 720 hourly points instead.
func bucketFor(req Request) time.Duration {
	const maxBuckets = 2000
	points := req.MaxDataPoints
	if points <= 0 || points > maxBuckets {
		points = maxBuckets
	}
	span := req.To.Sub(req.From)
	b := max(req.Interval, span/time.Duration(points), time.Second)
	if b >= 30*time.Minute {
		return (b + time.Hour - 1).Truncate(time.Hour)
	}
	return b.Truncate(time.Second)
}

// bucketOrigin aligns buckets to the Unix epoch, so that the same bucket width gives the
// same bucket edges whatever the range, and an alert rule's answer does not shift with it.
var bucketOrigin = time.Unix(0, 0).UTC()

// seconds formats a duration as a Postgres interval argument.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " seconds"
}

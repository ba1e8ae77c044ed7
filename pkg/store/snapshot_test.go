package store_test

import (
	"context"
	"testing"

	"github.com/ciradar/ciradar/pkg/store"
)

type projections struct {
	Jobs []store.Job
	Runs []store.Run
}

func snapshot(t testing.TB, s *store.Store) projections {
	t.Helper()
	jobs, err := s.Jobs(context.Background(), store.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := s.Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return projections{Jobs: jobs, Runs: runs}
}

// jobsByLocalID returns the jobs whose id lies in [offset, offset+1e6), keyed by id minus
// offset, with ids and received times made comparable across copies.
func jobsByLocalID(t testing.TB, s *store.Store, offset int64) map[int64]store.Job {
	t.Helper()
	jobs, err := s.Jobs(context.Background(), store.JobFilter{MinID: offset, MaxID: offset + 999_999})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]store.Job{}
	for _, j := range jobs {
		local := j.JobID - offset
		j.JobID, j.RunID = local, j.RunID-offset
		out[local] = j
	}
	return out
}

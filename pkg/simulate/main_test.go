package simulate_test

import (
	"context"
	"os"
	"testing"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// newStoreAndCommitter opens a store on a fresh database and the committer the receiver
// writes through; both close when the test ends, the committer first.
func newStoreAndCommitter(t *testing.T) (*store.Store, *store.Committer) {
	t.Helper()
	st, err := store.Open(context.Background(), pgtest.NewDatabase(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	committer := store.NewCommitter(st, store.CommitterOptions{})
	t.Cleanup(func() { committer.Close() })
	return st, committer
}

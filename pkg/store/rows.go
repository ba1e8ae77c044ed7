package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// The merge of a batch into the projections, as statements queued on pipelines: lock and
// read the stored rows (rowKeys), fold the batch's own rows and merge the stored ones into
// them (rowSet), then write the result back.

// lockRowsSQL takes the advisory locks that serialise merges of the same row across
// writers. Job ids lock as themselves and run ids as their negation, so the two never
// collide; sorted, so two batches cannot deadlock on them. A GitLab job and a GitHub job of
// the same id take the same lock: they only wait for each other, which costs nothing real.
const lockRowsSQL = `SELECT pg_advisory_xact_lock(k) FROM unnest($1::int8[]) AS k ORDER BY k`

// rowKeys are the job and run rows a batch touches.
type rowKeys struct {
	// unlocked says the caller holds the projection tables exclusively (Reproject), so the
	// per-row advisory locks are not taken: held to the end of the transaction, one per
	// job of a whole store would exhaust Postgres' shared lock table.
	unlocked            bool
	locks               []int64
	jobIDs              []int64
	runIDs, runAttempts []int64
	// originIDs are the deliveries whose receipt time the projection uses (queued and
	// waiting events): a redelivery of one of them takes its original time (origins.go).
	originIDs []string
}

func rowKeysOf(items []Item) rowKeys {
	var k rowKeys
	seenRun := map[runKey]bool{}
	for _, it := range items {
		for _, j := range it.Projection.jobs() {
			k.jobIDs = append(k.jobIDs, j.JobID)
			if j.QueuedLastAt != nil || j.WaitingSince != nil {
				k.originIDs = append(k.originIDs, it.Delivery.ID)
			}
		}
		if r := it.Projection.Run; r != nil && !seenRun[r.key()] {
			seenRun[r.key()] = true
			k.runIDs, k.runAttempts = append(k.runIDs, r.RunID), append(k.runAttempts, r.RunAttempt)
			k.locks = append(k.locks, -r.RunID)
		}
	}
	slices.Sort(k.jobIDs)
	k.jobIDs = slices.Compact(k.jobIDs)
	k.locks = append(k.locks, k.jobIDs...)
	slices.Sort(k.locks)
	k.locks = slices.Compact(k.locks)
	return k
}

// queueLockAndRead queues the locks, then the reads of the rows already stored.
func (k rowKeys) queueLockAndRead(b *pgx.Batch) {
	if len(k.locks) == 0 {
		return
	}
	if !k.unlocked {
		b.Queue(lockRowsSQL, k.locks)
	}
	if len(k.jobIDs) > 0 {
		b.Queue(selectJobsByIDSQL, k.jobIDs)
		b.Queue(selectStepsByJobSQL, k.jobIDs)
	}
	if len(k.runIDs) > 0 {
		b.Queue(selectRunsByKeySQL, k.runIDs, k.runAttempts)
	}
	if len(k.originIDs) > 0 {
		b.Queue(selectOriginsSQL, k.originIDs)
	}
}

// storedRows are the rows read by queueLockAndRead.
type storedRows struct {
	jobs  []*Job
	steps map[int64][]Step // by job id
	// stepKeys are the keys of the stored steps, read before the transaction wrote
	// anything: committed.
	stepKeys map[int64]*Step
	runs     []*Run
	origins  map[string]time.Time
}

// readStored reads the results of queueLockAndRead, in its order.
func (k rowKeys) readStored(br pgx.BatchResults) (storedRows, error) {
	var st storedRows
	if len(k.locks) == 0 {
		return st, nil
	}
	if !k.unlocked {
		if _, err := br.Exec(); err != nil {
			return st, fmt.Errorf("lock projection rows: %w", err)
		}
	}
	if len(k.jobIDs) > 0 {
		rows, err := br.Query()
		if err != nil {
			return st, fmt.Errorf("read jobs: %w", err)
		}
		if st.jobs, err = scanJobs(rows); err != nil {
			return st, err
		}
		if rows, err = br.Query(); err != nil {
			return st, fmt.Errorf("read steps: %w", err)
		}
		if st.steps, st.stepKeys, err = scanSteps(rows); err != nil {
			return st, err
		}
		for _, j := range st.jobs {
			if forgeOr(j.Forge) == ForgeGitHub { // steps are GitHub's only (stepsOf)
				j.Steps = st.steps[j.JobID]
			}
		}
	}
	if len(k.runIDs) > 0 {
		rows, err := br.Query()
		if err != nil {
			return st, fmt.Errorf("read runs: %w", err)
		}
		if st.runs, err = scanRuns(rows); err != nil {
			return st, err
		}
	}
	if len(k.originIDs) > 0 {
		var err error
		if st.origins, err = readOrigins(br); err != nil {
			return st, err
		}
	}
	return st, nil
}

// rowSet is a batch's own job and run rows, each folded from all its events.
type rowSet struct {
	jobs  map[jobKey]*Job
	runs  map[runKey]*Run
	items []Item // what was folded, folded again when a redelivery is retimed
	// storedSteps are the steps already stored, by job id: only the ones the merge changed
	// are written back.
	storedSteps map[int64][]Step
	// knownKeys are the step keys known committed (nil: none, as in Reproject), and
	// newKeys the ones queueUpserts adds, known once the transaction commits.
	knownKeys *stepKeySet
	newKeys   map[int64]*Step
}

func foldRows(items []Item) rowSet {
	s := rowSet{jobs: map[jobKey]*Job{}, runs: map[runKey]*Run{}, items: items}
	for _, it := range items {
		for _, j := range it.Projection.jobs() {
			foldJob(s.jobs, j)
		}
		if r := it.Projection.Run; r != nil {
			foldRun(s.runs, r)
		}
	}
	return s
}

// merge folds the stored rows into the batch's rows, so the batch holds the complete merged
// state to write back. Stored rows the batch does not touch are left out.
func (s *rowSet) merge(st storedRows) {
	if items, changed := retimed(s.items, st.origins); changed {
		*s = foldRows(items)
	}
	s.storedSteps = st.steps
	for _, j := range st.jobs {
		// The reads select by id alone: rows of another forge with the same id are left out.
		if cur, ok := s.jobs[j.key()]; ok {
			cur.Merge(j)
		}
	}
	for _, r := range st.runs {
		if cur, ok := s.runs[r.key()]; ok {
			cur.Merge(r)
		}
	}
}

// queueUpserts queues the writes of the merged rows and returns what each one writes, for
// errors.
func (s *rowSet) queueUpserts(b *pgx.Batch) ([]string, error) {
	var what []string
	if len(s.jobs) > 0 {
		if err := queueUpsertJobs(b, s.jobs); err != nil {
			return nil, err
		}
		what = append(what, fmt.Sprintf("upsert %d jobs", len(s.jobs)))
		steps, keys := queueUpsertSteps(b, s.jobs, s.storedSteps, s.knownKeys)
		what, s.newKeys = append(what, steps...), keys
	}
	if len(s.runs) > 0 {
		queueUpsertRuns(b, s.runs)
		what = append(what, fmt.Sprintf("upsert %d runs", len(s.runs)))
	}
	return what, nil
}

// applyProjections merges the items' job and run rows into the tables, inside tx; locked
// says to take the rows' advisory locks (every writer but Reproject, see rowKeys).
func applyProjections(ctx context.Context, tx pgx.Tx, items []Item, locked bool) error {
	keys := rowKeysOf(items)
	keys.unlocked = !locked
	if len(keys.locks) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	keys.queueLockAndRead(b)
	br := tx.SendBatch(ctx, b)
	stored, err := keys.readStored(br)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	rows := foldRows(items)
	rows.merge(stored)
	b = &pgx.Batch{}
	what, err := rows.queueUpserts(b)
	if err != nil {
		return err
	}
	br = tx.SendBatch(ctx, b)
	defer br.Close()
	for _, w := range what {
		if err := readUpsert(br, w); err != nil {
			return err
		}
	}
	return br.Close()
}

// readUpsert reads the result of the upsert what names (queueUpserts). The statement that
// adds step keys returns the keys stored with other texts: any is an error.
func readUpsert(br pgx.BatchResults, what string) error {
	tag, err := br.Exec()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if what == stepKeysWhat && tag.RowsAffected() > 0 {
		return fmt.Errorf("%s: %d keys: %w", what, tag.RowsAffected(), errStepKeyCollision)
	}
	return nil
}

// errStepKeyCollision is a step key already stored with other texts: two triples whose
// digests share their first 8 bytes. The write fails rather than store a step under
// another's texts. It is the delivery's fault, as any unstorable content is (IsDataError):
// step names are chosen by whoever writes the workflow, and 8 bytes of md5 can be made to
// collide, so the receiver answers 400 and keeps the delivery on record as refused, and
// the committer commits the rest of the batch without it; it is never an unavailable store
// (503), which would be tried again for ever.
var errStepKeyCollision = fmt.Errorf("%w: step key stored with other texts (a digest collision)", ErrUnstorable)

// stepKeysWhat names the statement that adds step keys (queueUpsertSteps), whose rows are
// collisions.
const stepKeysWhat = "add step keys"

func foldJob(into map[jobKey]*Job, j *Job) {
	if cur, ok := into[j.key()]; ok {
		cur.Merge(j)
		return
	}
	c := *j
	c.Forge = forgeOr(c.Forge)
	into[c.key()] = &c
}

type runKey struct {
	id, attempt int64
	forge       string
}

func (r *Run) key() runKey { return runKey{r.RunID, r.RunAttempt, forgeOr(r.Forge)} }

func foldRun(into map[runKey]*Run, r *Run) {
	k := r.key()
	if cur, ok := into[k]; ok {
		cur.Merge(r)
		return
	}
	c := *r
	c.Forge = forgeOr(c.Forge)
	into[k] = &c
}

package store

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// A job's steps are one row of job_steps (migration 0037): arrays of the step numbers (NULL
// when 1..n), keys into step_keys, and start and completion times. The writer sends one
// element per step of every job it rewrites, and the statement builds the rows.
var (
	upsertStepsSQL = `INSERT INTO job_steps (job_id, numbers, keys, started, completed)
SELECT u.job_id, CASE WHEN max(u.number) = count(*) THEN NULL ELSE array_agg(u.number ORDER BY u.number) END,
       array_agg(u.key ORDER BY u.number), array_agg(u.started ORDER BY u.number), array_agg(u.completed ORDER BY u.number)
FROM unnest($1::int8[], $2::int4[], $3::int8[], $4::timestamptz[], $5::timestamptz[]) AS u(job_id, number, key, started, completed)
GROUP BY u.job_id ORDER BY u.job_id
ON CONFLICT (job_id) DO UPDATE SET numbers = EXCLUDED.numbers, keys = EXCLUDED.keys, started = EXCLUDED.started,
       completed = EXCLUDED.completed`
	// insertStepKeysSQL adds the keys a write uses ($1 sorted, so that two writers adding
	// the same new keys wait for each other in one order) and returns the ones already
	// stored with other texts: a digest collision, which the writer refuses.
	insertStepKeysSQL = `WITH i AS (SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[]) AS i(id, name, status, conclusion)),
ins AS (INSERT INTO step_keys (id, name, status, conclusion) SELECT * FROM i ON CONFLICT (id) DO NOTHING)
SELECT i.id FROM i JOIN step_keys k USING (id) WHERE (k.name, k.status, k.conclusion) <> (i.name, i.status, i.conclusion)`
	// selectStepsByJobSQL reads the stored steps of a batch's jobs, in the order that
	// scanSteps groups them.
	selectStepsByJobSQL = `SELECT s.job_id, coalesce(s.numbers[u.i], u.i)::int4, k.name, k.status, k.conclusion, u.started, u.completed, k.id
FROM job_steps s CROSS JOIN LATERAL unnest(s.keys, s.started, s.completed) WITH ORDINALITY AS u(key, started, completed, i)
JOIN step_keys k ON k.id = u.key
WHERE s.job_id = ANY($1) ORDER BY s.job_id, u.i`
)

// stepKeyID is a step's key in step_keys: the first 8 bytes of md5 over the lengths of its
// name and status and the three texts, as step_key_id (migration 0037) computes it.
func stepKeyID(s *Step) int64 {
	var small [128]byte
	b := strconv.AppendInt(small[:0], int64(len(s.Name)), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(len(s.Status)), 10)
	b = append(b, ',')
	b = append(append(append(b, s.Name...), s.Status...), s.Conclusion...)
	sum := md5.Sum(b)
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// scanSteps reads and closes rows selected with selectStepsByJobSQL, by job id, and the
// keys they use, by id.
func scanSteps(rows pgx.Rows) (map[int64][]Step, map[int64]*Step, error) {
	defer rows.Close()
	out := map[int64][]Step{}
	var keys []int64
	for rows.Next() {
		var jobID, key int64
		var number int32
		var s Step
		if err := rows.Scan(&jobID, &number, &s.Name, &s.Status, &s.Conclusion, &s.StartedAt, &s.CompletedAt, &key); err != nil {
			return nil, nil, fmt.Errorf("scan step: %w", err)
		}
		s.Number = int64(number)
		for _, p := range []**time.Time{&s.StartedAt, &s.CompletedAt} {
			if *p != nil {
				u := (*p).UTC()
				*p = &u
			}
		}
		out[jobID] = append(out[jobID], s)
		keys = append(keys, key)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read steps: %w", err)
	}
	byKey := make(map[int64]*Step, len(keys))
	i := 0
	for _, id := range slices.Sorted(maps.Keys(out)) {
		steps := slices.Clip(out[id])
		out[id] = steps
		for k := range steps {
			byKey[keys[i]] = &steps[k]
			i++
		}
	}
	return out, byKey, nil
}

// sameStep reports two versions of a step with the same row.
func sameStep(x, y *Step) bool {
	return x.Number == y.Number && x.Name == y.Name && x.Status == y.Status && x.Conclusion == y.Conclusion &&
		timeEqual(x.StartedAt, y.StartedAt) && timeEqual(x.CompletedAt, y.CompletedAt)
}

func timeEqual(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// stepArrays holds one element per step of the jobs a write rewrites, and the keys they use.
type stepArrays struct {
	jobIDs             []int64
	numbers            []int32
	keys               []int64
	started, completed []*time.Time
	texts              map[int64]*Step // by key, one step of each
}

func (a *stepArrays) add(jobID int64, s *Step) {
	k := stepKeyID(s)
	a.jobIDs, a.numbers, a.keys = append(a.jobIDs, jobID), append(a.numbers, int32(s.Number)), append(a.keys, k)
	a.started, a.completed = append(a.started, s.StartedAt), append(a.completed, s.CompletedAt)
	if a.texts == nil {
		a.texts = map[int64]*Step{}
	}
	a.texts[k] = s
}

// sameSteps reports two step lists with the same stored row.
func sameSteps(a, b []Step) bool {
	return slices.EqualFunc(a, b, func(x, y Step) bool { return sameStep(&x, &y) })
}

// stepKeySet remembers, for one store, step keys known to be committed with their texts:
// keys read back with stored steps, and keys a committed write added. A write leaves out
// the keys it finds here with the same texts, and when that is all of them, the statement
// that adds keys, so that a warm receiver spends nothing on them.
type stepKeySet struct {
	mu sync.Mutex
	m  map[int64]stepText
}

type stepText struct{ name, status, conclusion string }

// maxKnownStepKeys bounds the set's memory (names are up to 1 KB); past it, keys not yet
// known are added by every write that uses them, as with no set at all.
const maxKnownStepKeys = 1 << 16

func textOf(s *Step) stepText { return stepText{s.Name, s.Status, s.Conclusion} }

// has reports a key known committed with s's texts. A nil set knows nothing.
func (k *stepKeySet) has(id int64, s *Step) bool {
	if k == nil {
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	t, ok := k.m[id]
	return ok && t == textOf(s)
}

// add records committed keys: by id, the step whose texts the key holds.
func (k *stepKeySet) add(keys map[int64]*Step) {
	if k == nil || len(keys) == 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[int64]stepText{}
	}
	for id, s := range keys {
		if len(k.m) >= maxKnownStepKeys {
			return
		}
		k.m[id] = textOf(s)
	}
}

// queueUpsertSteps queues the writes of the jobs whose merged steps differ from the stored
// ones, each job's list whole, after the step keys they use that known does not hold. It
// returns what each queued statement writes (none, the steps alone, or the keys and then
// the steps; see stepKeysWhat) and the keys it adds, known once the transaction commits.
// A queued job's deliveries carry no steps, so its row is written once a runner has it.
//
// job_steps is keyed by job id alone: steps are GitHub's only (GitLab's hooks send none),
// so a GitLab job that shares a GitHub job's id neither writes nor reads them.
func queueUpsertSteps(b *pgx.Batch, jobs map[jobKey]*Job, stored map[int64][]Step, known *stepKeySet) ([]string, map[int64]*Step) {
	var a stepArrays
	ids := make([]int64, 0, len(jobs))
	for k := range jobs {
		if k.forge == ForgeGitHub {
			ids = append(ids, k.id)
		}
	}
	slices.Sort(ids) // a fixed order of row locks, as for the jobs' advisory locks
	for _, id := range ids {
		job := jobs[jobKey{id, ForgeGitHub}]
		if len(job.Steps) == 0 || sameSteps(job.Steps, stored[id]) {
			continue
		}
		for i := range job.Steps {
			a.add(id, &job.Steps[i])
		}
	}
	if len(a.jobIDs) == 0 {
		return nil, nil
	}
	var what []string
	for k, s := range a.texts {
		if known.has(k, s) {
			delete(a.texts, k)
		}
	}
	if len(a.texts) > 0 {
		keys := slices.Sorted(maps.Keys(a.texts))
		names, sts, concls := make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys))
		for i, k := range keys {
			s := a.texts[k]
			names[i], sts[i], concls[i] = s.Name, s.Status, s.Conclusion
		}
		b.Queue(insertStepKeysSQL, keys, names, sts, concls)
		what = append(what, stepKeysWhat)
	}
	b.Queue(upsertStepsSQL, a.jobIDs, a.numbers, a.keys, a.started, a.completed)
	return append(what, fmt.Sprintf("upsert %d steps", len(a.jobIDs))), a.texts
}

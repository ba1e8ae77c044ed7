package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// WriteResult says what a Write did.
type WriteResult struct {
	Stored     int // new raw deliveries
	Duplicates int // deliveries already in the log, not projected again
	// New holds the ids stored by this write; the others were duplicates.
	New map[string]bool
}

// maxAttempts bounds retries of a batch that lost a deadlock or serialization race.
const maxAttempts = 4

// Write stores the raw deliveries and merges their projections in one transaction. A
// delivery already in the log is skipped whole, so a redelivery never counts twice.
//
// Concurrent writers (replicas, the reconciler, reproject) are safe: every job and run row
// is merged under a transaction-scoped advisory lock on its id, taken in sorted order, so
// a read-merge-write never loses another writer's merge and lock order cannot deadlock.
func (s *Store) Write(ctx context.Context, items []Item) (WriteResult, error) {
	items = uniqueByID(items)
	// Compressed once, before the attempts: a retried transaction sends the same bytes.
	s.ensureLoaded(ctx)
	stored := s.codec.encodeBatch(items)
	var res WriteResult
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		res, err = s.writeOnce(ctx, items, stored)
		if nb := (*errBaseNotStored)(nil); errors.As(err, &nb) {
			// Stored against the dictionary instead; no attempt is spent on it.
			for _, i := range nb.items {
				stored[i] = s.codec.encode(items[i].Delivery.Payload)
			}
			attempt--
			continue
		}
		if err == nil || !retryable(err) {
			break
		}
	}
	if err == nil {
		s.codec.committed(items, stored, res.New)
	}
	return res, err
}

// writeOnce is one transaction in two round trips (pipelines). The first begins, locks and
// reads the stored rows of every job and run in the batch, and inserts the raw deliveries;
// the second writes the merged rows and commits. Six round trips a batch used to cost the
// receiver and Postgres a system call and a wake-up each.
//
// Locks and reads cover the jobs of duplicate deliveries too (their rows are then left
// alone): that is what lets them travel before the insert says which deliveries are new.
func (s *Store) writeOnce(ctx context.Context, items []Item, stored []encoded) (WriteResult, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return WriteResult{}, fmt.Errorf("write %d deliveries: %w", len(items), err)
	}
	defer conn.Release()
	res, err := writePipelined(ctx, conn.Conn(), items, stored, s.stepKeys)
	if err != nil {
		rollback(conn)
		return WriteResult{}, fmt.Errorf("write %d deliveries: %w", len(items), err)
	}
	return res, nil
}

func writePipelined(ctx context.Context, conn *pgx.Conn, items []Item, payloads []encoded, known *stepKeySet) (WriteResult, error) {
	keys := rowKeysOf(items)
	first := &pgx.Batch{}
	first.Queue("BEGIN")
	for _, set := range planSettings {
		first.Queue(set)
	}
	keys.queueLockAndRead(first)
	if err := queueInsertDeliveries(first, items, payloads); err != nil {
		return WriteResult{}, err
	}
	br := conn.SendBatch(ctx, first)
	for range 1 + len(planSettings) {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return WriteResult{}, fmt.Errorf("begin: %w", err)
		}
	}
	stored, err := keys.readStored(br)
	if err != nil {
		br.Close()
		return WriteResult{}, err
	}
	fresh, err := readInsertedDeliveries(br, items)
	if err != nil {
		br.Close()
		return WriteResult{}, err
	}
	if err := basesNotStored(items, payloads, newIDs(fresh)); err != nil {
		br.Close()
		return WriteResult{}, err
	}
	if err := br.Close(); err != nil {
		return WriteResult{}, err
	}

	known.add(stored.stepKeys)
	rows := foldRows(fresh)
	rows.merge(stored)
	rows.knownKeys = known
	second := &pgx.Batch{}
	upserts, err := rows.queueUpserts(second)
	if err != nil {
		return WriteResult{}, err
	}
	second.Queue("COMMIT")
	br = conn.SendBatch(ctx, second)
	for _, what := range upserts {
		if err := readUpsert(br, what); err != nil {
			br.Close()
			return WriteResult{}, err
		}
	}
	tag, err := br.Exec()
	if err != nil {
		br.Close()
		return WriteResult{}, fmt.Errorf("commit: %w", err)
	}
	if err := br.Close(); err != nil {
		return WriteResult{}, err
	}
	if tag.String() != "COMMIT" {
		// Postgres answers COMMIT in a failed transaction with ROLLBACK, not an error.
		return WriteResult{}, fmt.Errorf("commit: the transaction was rolled back (%s)", tag)
	}
	known.add(rows.newKeys)
	return WriteResult{Stored: len(fresh), Duplicates: len(items) - len(fresh), New: newIDs(fresh)}, nil
}

// newIDs is the set of the items' delivery ids.
func newIDs(fresh []Item) map[string]bool {
	out := make(map[string]bool, len(fresh))
	for _, it := range fresh {
		out[it.Delivery.ID] = true
	}
	return out
}

// planSettings make every statement of a write reuse one plan per connection. Each has
// only one sensible plan, and planning them afresh for every batch (the pool's
// force_custom_plan, see Open) was a fifth of Postgres' CPU. The reads of stored rows are
// the reason the pool forces custom plans: a generic plan made while a table was small
// scanned it whole for ever after. With sequential scans off, their only plans are
// probes of the primary keys, whatever the tables' size when they were planned.
var planSettings = []string{
	"SET LOCAL plan_cache_mode = force_generic_plan",
	"SET LOCAL enable_seqscan = off",
}

// rollback ends a transaction a failed pipeline left open, so the connection goes back to
// the pool clean; when even that fails the pool drops the connection on release.
func rollback(conn *pgxpool.Conn) {
	if conn.Conn().PgConn().TxStatus() == 'I' || conn.Conn().IsClosed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn.Exec(ctx, "ROLLBACK")
}

// uniqueByID drops repeats of a delivery id within one batch, keeping the first, and sorts
// by id so that concurrent batches insert in the same order.
func uniqueByID(items []Item) []Item {
	out := slices.Clone(items)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Delivery.ID < out[j].Delivery.ID })
	return slices.CompactFunc(out, func(a, b Item) bool { return a.Delivery.ID == b.Delivery.ID })
}

// insertDeliveriesSQL appends the raw rows. The payloads travel as one bytea, cut by
// offset and length: as a bytea[], pgx encoded them into a parameter buffer that starts at
// 256 bytes and doubles its way to the batch's size (about 6% of the receiver's CPU), and
// Postgres copied each into the tuplestore unnest fills. Offsets are 1-based, as substring
// counts. Each payload arrives as stored (rawlog.go), with its codec and dictionary.
//
// A delivery is new when its id enters delivery_guids (migration 0024): deliveries is
// partitioned by receipt time and holds no unique index on the id. A UUID id enters as a
// uuid (deliveryGUID), any other as text (0029); either unique index stops a repeat. A
// concurrent insert of the same id waits for the first to commit and then finds it, as on
// any unique index.
const insertDeliveriesSQL = `
		WITH u AS (
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::int8[], $7::timestamptz[], $9::int4[], $10::int4[],
				$11::int2[], $12::int4[], $13::text[], $14::uuid[])
			AS u(id, event, action, hook_id, target_type, target_id, received_at, off, len, codec, dict, forge, guid)),
		fresh AS (
			INSERT INTO delivery_guids (received_at, guid, delivery_id)
			SELECT u.received_at, u.guid, CASE WHEN u.guid IS NULL THEN u.id END FROM u
			ON CONFLICT DO NOTHING
			RETURNING coalesce(delivery_id, guid::text) AS delivery_id)
		INSERT INTO deliveries (delivery_id, event, action, hook_id, target_type, target_id, received_at,
			payload_codec, payload_dict, payload, forge)
		SELECT u.id, u.event, u.action, u.hook_id, u.target_type, u.target_id, u.received_at,
			u.codec, u.dict, substring($8::bytea FROM u.off FOR u.len), u.forge
		FROM u JOIN fresh ON fresh.delivery_id = u.id
		RETURNING delivery_id`

// queueInsertDeliveries queues the append of the raw rows, stored[i] holding item i's
// payload as it is to be stored; readInsertedDeliveries reads which of them were new.
func queueInsertDeliveries(b *pgx.Batch, items []Item, stored []encoded) error {
	n := len(items)
	ids, events, actions, targetTypes := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	hookIDs, targetIDs := make([]*int64, n), make([]*int64, n)
	received := make([]time.Time, n)
	offsets, lengths := make([]int32, n), make([]int32, n)
	codecs, dicts := make([]int16, n), make([]*int32, n)
	forges := make([]string, n)
	guids := make([]pgtype.UUID, n)
	total := 0
	for _, p := range stored {
		total += len(p.bytes)
	}
	if total >= math.MaxInt32 {
		// Postgres holds at most 1 GB in one value; the committer retries one by one.
		return fmt.Errorf("insert deliveries: %d bytes of payloads in one batch", total)
	}
	payloads := make([]byte, 0, total)
	for i, it := range items {
		d := it.Delivery
		ids[i], events[i], actions[i], targetTypes[i] = d.ID, d.Event, clean(d.Action), d.TargetType
		hookIDs[i], targetIDs[i] = nullable(d.HookID), nullable(d.TargetID)
		received[i], forges[i] = d.ReceivedAt, forgeOf(d)
		guids[i] = deliveryGUID(d.ID)
		p := stored[i]
		offsets[i], lengths[i] = int32(len(payloads)+1), int32(len(p.bytes))
		codecs[i], dicts[i] = p.codec, p.dict
		payloads = append(payloads, p.bytes...)
	}
	b.Queue(insertDeliveriesSQL, ids, events, actions, hookIDs, targetTypes, targetIDs, received, payloads, offsets, lengths,
		codecs, dicts, forges, guids)
	return nil
}

// readInsertedDeliveries returns the items whose delivery was new.
func readInsertedDeliveries(br pgx.BatchResults, items []Item) ([]Item, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("insert deliveries: %w", err)
	}
	stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("insert deliveries: %w", err)
	}
	isNew := make(map[string]bool, len(stored))
	for _, id := range stored {
		isNew[id] = true
	}
	fresh := make([]Item, 0, len(stored))
	for _, it := range items {
		if isNew[it.Delivery.ID] {
			fresh = append(fresh, it)
		}
	}
	return fresh, nil
}

// retryable reports errors that a fresh attempt of the same transaction can cure.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40P01" || pgErr.Code == "40001"
	}
	return false
}

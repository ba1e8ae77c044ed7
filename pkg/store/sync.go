package store

// The reconciler's write side (issue 5). State that GitHub's REST API returns enters the
// projections the same way a webhook does: as a delivery in the raw log, projected by
// Project and merged by Write. So API fetches are idempotent with live ingest (the merge
// is order-independent), survive Reproject, and never need a second merge path. Their
// delivery ids start with "api:" and their target type is "api", so ingest health can
// tell them from webhooks.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/jackc/pgx/v5"
)

// APITarget is the target_type of deliveries synthesised from REST API answers.
const APITarget = "api"

// RepoRef is the repository an API job or run belongs to: job and run objects from the
// REST API do not carry it, but webhook payloads do, and the projection needs it.
type RepoRef struct {
	ID            int64
	FullName      string // owner/name
	Org           string
	DefaultBranch string
	// Visibility is the repository's visibility when the listing said ('' when it did not:
	// a job fetched by id merges without erasing what the webhooks said).
	Visibility string
}

type apiRepo struct {
	ID            int64    `json:"id"`
	FullName      string   `json:"full_name"`
	DefaultBranch string   `json:"default_branch,omitempty"`
	Owner         loginRef `json:"owner"`
	Visibility    string   `json:"visibility,omitempty"`
}

// JobItem turns a job fetched from the REST API into a writable item, as if GitHub had sent
// a workflow_job delivery with that state. The delivery id names the job and its status,
// so fetching the same state again is a duplicate and costs nothing.
func JobItem(repo RepoRef, j *github.WorkflowJob, fetched time.Time) (Item, error) {
	body, err := json.Marshal(map[string]any{
		"action": j.GetStatus(), "workflow_job": j, "repository": repoJSON(repo),
		"organization": loginRef{Login: repo.Org},
	})
	if err != nil {
		return Item{}, fmt.Errorf("encode api job %d: %w", j.GetID(), err)
	}
	return apiItem(fmt.Sprintf("api:job:%d:%s", j.GetID(), j.GetStatus()), "workflow_job", j.GetStatus(), body, fetched)
}

// RunItem is JobItem for a run attempt.
func RunItem(repo RepoRef, r *github.WorkflowRun, fetched time.Time) (Item, error) {
	body, err := json.Marshal(map[string]any{
		"action": r.GetStatus(), "workflow_run": r, "workflow": map[string]string{"name": r.GetName()},
		"repository": repoJSON(repo), "organization": loginRef{Login: repo.Org},
	})
	if err != nil {
		return Item{}, fmt.Errorf("encode api run %d: %w", r.GetID(), err)
	}
	id := fmt.Sprintf("api:run:%d:%d:%s:%s", r.GetID(), max(r.GetRunAttempt(), 1), r.GetStatus(), r.GetConclusion())
	return apiItem(id, "workflow_run", r.GetStatus(), body, fetched)
}

func repoJSON(r RepoRef) apiRepo {
	owner := r.Org
	if o, _, ok := strings.Cut(r.FullName, "/"); ok {
		owner = o
	}
	return apiRepo{ID: r.ID, FullName: r.FullName, DefaultBranch: r.DefaultBranch, Owner: loginRef{Login: owner},
		Visibility: r.Visibility}
}

func apiItem(id, event, action string, body []byte, fetched time.Time) (Item, error) {
	d := Delivery{ID: id, Event: event, Action: action, TargetType: APITarget, ReceivedAt: fetched.UTC(), Payload: body}
	p, err := Project(d)
	if err != nil {
		return Item{}, err
	}
	return Item{Delivery: d, Projection: p}, nil
}

// Checkpoint reads a named position; ok is false when none was saved yet.
func (s *Store) Checkpoint(ctx context.Context, name string) (pos int64, at time.Time, ok bool, err error) {
	var t *time.Time
	err = s.pool.QueryRow(ctx, "SELECT position, at FROM reconcile_checkpoints WHERE name = $1", name).Scan(&pos, &t)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, time.Time{}, false, nil
	}
	if err != nil {
		return 0, time.Time{}, false, fmt.Errorf("read checkpoint %s: %w", name, err)
	}
	if t != nil {
		at = t.UTC()
	}
	return pos, at, true, nil
}

// SetCheckpoint saves a named position.
func (s *Store) SetCheckpoint(ctx context.Context, name string, pos int64, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO reconcile_checkpoints (name, position, at, updated_at) VALUES ($1, $2, $3, now())
		ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, at = EXCLUDED.at, updated_at = now()`, name, pos, at)
	if err != nil {
		return fmt.Errorf("save checkpoint %s: %w", name, err)
	}
	return nil
}

// guidsOf1 matches the delivery_guids rows of the ids in $1 (text[]): a UUID id is keyed
// by its uuid, any other by its text (migration 0029), each through its unique index.
const guidsOf1 = "guid = ANY(ARRAY(SELECT delivery_uuid(i) FROM unnest($1::text[]) i)) OR delivery_id = ANY($1)"

// StoredDeliveries says which of guids are already in the raw log. delivery_guids holds
// exactly the ids in deliveries, indexed, where the partitions have no index on the id.
func (s *Store) StoredDeliveries(ctx context.Context, guids []string) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, "SELECT coalesce(delivery_id, guid::text) FROM delivery_guids WHERE "+guidsOf1, nonNil(guids))
	if err != nil {
		return nil, fmt.Errorf("look up deliveries: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("look up deliveries: %w", err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// RedeliveryAttempts says how many times each of guids was asked for again.
func (s *Store) RedeliveryAttempts(ctx context.Context, guids []string) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, "SELECT guid, attempts FROM redelivery_attempts WHERE guid = ANY($1)", nonNil(guids))
	if err != nil {
		return nil, fmt.Errorf("read redelivery attempts: %w", err)
	}
	out := map[string]int{}
	var g string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&g, &n}, func() error { out[g] = n; return nil })
	if err != nil {
		return nil, fmt.Errorf("read redelivery attempts: %w", err)
	}
	return out, nil
}

// RecordRedelivery counts one redelivery request and its result.
func (s *Store) RecordRedelivery(ctx context.Context, guid, hook, result string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO redelivery_attempts (guid, hook, attempts, last_attempt_at, last_result)
		VALUES ($1, $2, 1, $3, $4) ON CONFLICT (guid) DO UPDATE SET attempts = redelivery_attempts.attempts + 1,
		last_attempt_at = EXCLUDED.last_attempt_at, last_result = EXCLUDED.last_result`, guid, hook, at, result)
	if err != nil {
		return fmt.Errorf("record redelivery of %s: %w", guid, err)
	}
	return nil
}

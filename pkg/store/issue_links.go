package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SignatureToLink is an error signature whose tracking issue is to be looked for, with
// the organisations it occurred in: the search is kept to them.
type SignatureToLink struct {
	Hash string
	Orgs []string
}

// SignaturesToLink lists signatures never looked up, then those looked up before
// checkedBefore, most recently seen first: the errors people are looking at now.
func (s *Store) SignaturesToLink(ctx context.Context, checkedBefore time.Time, limit int) ([]SignatureToLink, error) {
	rows, err := s.pool.Query(ctx, `SELECT s.signature_hash,
		  ARRAY(SELECT DISTINCT split_part(o.repo, '/', 1) FROM error_occurrences o
		        WHERE o.signature_hash = s.signature_hash AND o.repo LIKE '%/%' ORDER BY 1 LIMIT 5)
		FROM error_signatures s
		WHERE s.issue_checked_at IS NULL OR s.issue_checked_at < $1
		ORDER BY s.issue_checked_at NULLS FIRST, s.last_seen DESC, s.signature_hash LIMIT $2`, checkedBefore, limit)
	if err != nil {
		return nil, fmt.Errorf("list signatures to link: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SignatureToLink, error) {
		var l SignatureToLink
		err := r.Scan(&l.Hash, &l.Orgs)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("list signatures to link: %w", err)
	}
	return out, nil
}

// IssueLink is what a search found for a signature: an empty URL says no issue names it
// (any earlier link is dropped: the issue was deleted or no longer carries the id).
type IssueLink struct {
	Hash              string
	URL, Title, State string
	CheckedAt         time.Time
}

// SaveIssueLink records a lookup.
func (s *Store) SaveIssueLink(ctx context.Context, l IssueLink) error {
	_, err := s.pool.Exec(ctx, `UPDATE error_signatures SET issue_url = $2, issue_title = $3, issue_state = $4, issue_checked_at = $5
		WHERE signature_hash = $1`, l.Hash, capText(clean(l.URL), MaxURLLen), capText(clean(l.Title), MaxNameLen),
		capText(clean(l.State), MaxShortLen), l.CheckedAt.UTC())
	if err != nil {
		return fmt.Errorf("save issue link of %s: %w", l.Hash, err)
	}
	return nil
}

// MarkIssueChecked records a lookup that failed, keeping any link: the signature waits its
// turn again instead of being asked about every cycle while the search fails.
func (s *Store) MarkIssueChecked(ctx context.Context, hash string, at time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE error_signatures SET issue_checked_at = $2 WHERE signature_hash = $1`, hash, at.UTC()); err != nil {
		return fmt.Errorf("mark issue lookup of %s: %w", hash, err)
	}
	return nil
}

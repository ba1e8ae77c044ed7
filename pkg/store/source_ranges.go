package store

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"
)

// GitHubHooks names GitHub's published webhook ranges in source_ranges.
const GitHubHooks = "github_hooks"

// ReplaceSourceRanges makes ranges the whole list of source, in one transaction, so a
// receiver never reads half an old list and half a new one.
func (s *Store) ReplaceSourceRanges(ctx context.Context, source string, ranges []netip.Prefix, fetched time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM source_ranges WHERE source = $1", source); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO source_ranges (source, cidr, fetched_at)
			SELECT $1, c, $3 FROM unnest($2::cidr[]) AS c ON CONFLICT DO NOTHING`, source, ranges, fetched)
		return err
	})
	if err != nil {
		return fmt.Errorf("replace %s ranges: %w", source, err)
	}
	return nil
}

// SourceRanges reads a source's list.
func (s *Store) SourceRanges(ctx context.Context, source string) ([]netip.Prefix, error) {
	rows, err := s.pool.Query(ctx, "SELECT cidr FROM source_ranges WHERE source = $1 ORDER BY cidr", source)
	if err != nil {
		return nil, fmt.Errorf("read %s ranges: %w", source, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[netip.Prefix])
	if err != nil {
		return nil, fmt.Errorf("read %s ranges: %w", source, err)
	}
	return out, nil
}

package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ciradar/ciradar/pkg/pgtest"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/jackc/pgx/v5"
)

// The write path plans its reads once per connection (store.PlanSettings). Planned on empty
// tables, as they are on a fresh install, those plans must still probe the primary keys:
// a sequential scan would be kept as the tables grow.
func TestWriteReadsPlanAsKeyProbesOnEmptyTables(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	cases := []struct {
		name, sql, args, want string
	}{
		{"jobs by id", store.SelectJobsByIDSQL, "('{1,2}')", "workflow_jobs_pkey"},
		{"runs by id and attempt", store.SelectRunsByKeySQL, "('{1,2}', '{1,1}')", "workflow_runs_pkey"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			defer conn.Exec(ctx, "DEALLOCATE ALL")
			for _, set := range store.PlanSettings {
				if _, err := tx.Exec(ctx, set); err != nil {
					t.Fatal(err)
				}
			}
			// Statement text comes from the store's constants, never from input.
			if _, err := tx.Exec(ctx, "PREPARE q AS "+tc.sql); err != nil {
				t.Fatal(err)
			}
			rows, err := tx.Query(ctx, "EXPLAIN EXECUTE q"+tc.args, pgx.QueryExecModeSimpleProtocol)
			if err != nil {
				t.Fatal(err)
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			plan := strings.Join(lines, "\n")
			if !strings.Contains(plan, tc.want) || strings.Contains(plan, "Seq Scan") {
				t.Fatalf("want a plan probing %s, got:\n%s", tc.want, plan)
			}
		})
	}
}

package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// printTopStatements shows where Postgres spent its time during the run, from
// pg_stat_statements: the write path's statements, their calls, rows and mean time.
func printTopStatements(url string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return err
	}
	rows, err := conn.Query(ctx, `SELECT calls, rows, total_exec_time, mean_exec_time, query
		FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 8`)
	if err != nil {
		return err
	}
	defer rows.Close()
	fmt.Println("postgres statements by total time:")
	for rows.Next() {
		var calls, n int64
		var total, mean float64
		var q string
		if err := rows.Scan(&calls, &n, &total, &mean, &q); err != nil {
			return err
		}
		q = strings.Join(strings.Fields(q), " ")
		fmt.Printf("  %8.0f ms total  %7.2f ms mean  %6d calls %8d rows  %.90s\n", total, mean, calls, n, q)
	}
	return rows.Err()
}

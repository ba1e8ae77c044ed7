package store

import (
	"fmt"
	"strings"
)

// column describes one projected column for the generated upsert: its SQL array type for
// unnest, and an optional expression that turns the unnested value into the column value.
type column struct {
	name string
	typ  string
	expr string // defaults to the unnested value itself
}

// upsertSQL builds "INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE" for a fixed
// column list. It is built once from constants: no caller data ever becomes SQL text.
func upsertSQL(table, conflict string, cols []column) string {
	names, params, aliases, exprs, sets := []string{}, []string{}, []string{}, []string{}, []string{}
	for i, c := range cols {
		names = append(names, c.name)
		params = append(params, fmt.Sprintf("$%d::%s[]", i+1, c.typ))
		aliases = append(aliases, c.name)
		e := "u." + c.name
		if c.expr != "" {
			e = c.expr
		}
		exprs = append(exprs, e)
		sets = append(sets, c.name+" = EXCLUDED."+c.name)
	}
	return fmt.Sprintf("INSERT INTO %s (%s)\nSELECT %s\nFROM unnest(%s) AS u(%s)\nON CONFLICT (%s) DO UPDATE SET %s",
		table, strings.Join(names, ", "), strings.Join(exprs, ", "), strings.Join(params, ", "),
		strings.Join(aliases, ", "), conflict, strings.Join(sets, ", "))
}

func selectList(cols []column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// asArgs passes each column's values as one array parameter.
func asArgs(cols [][]any) []any {
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = c
	}
	return args
}

package query

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// errorSignaturesModel is the error_signatures query.
type errorSignaturesModel struct {
	common
	OnlyNew bool `json:"onlyNew"`
	Limit   int  `json:"limit"`
}

// occurrenceFilters applies to error_occurrences aliased o: the repository is on the row,
// everything else is on the job it hit.
var occurrenceFilters = filterTarget{
	"scope.org": "split_part(o.repo, '/', 1)", "scope.repo": "o.repo",
	"repos":     "o.repo = ANY(%s)",
	"orgs":      "EXISTS (SELECT 1 FROM workflow_jobs fj WHERE fj.job_id = o.job_id AND fj.org = ANY(%s))",
	"workflows": "EXISTS (SELECT 1 FROM workflow_jobs fj WHERE fj.job_id = o.job_id AND fj.workflow_name = ANY(%s))",
	"labels":    "EXISTS (SELECT 1 FROM workflow_jobs fj WHERE fj.job_id = o.job_id AND fj.label_key = ANY(%s))",
	"branches":  "EXISTS (SELECT 1 FROM workflow_jobs fj WHERE fj.job_id = o.job_id AND fj.head_branch = ANY(%s))",
}

// sightingFilters applies the scope to error_occurrences aliased e, inside a query that
// already has an o.
var sightingFilters = filterTarget{"scope.org": "split_part(e.repo, '/', 1)", "scope.repo": "e.repo"}

// ErrorSignatures answers error_signatures: signatures by occurrences within the range,
// with first and last seen, the repositories hit, and whether the signature is new (first
// seen within the range). onlyNew keeps the new ones: "which errors have never been seen
// before?".
func ErrorSignatures(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m errorSignaturesModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	limit, err := limitOf(m.Limit, 20, 1000)
	if err != nil {
		return nil, err
	}
	// Occurrences are counted per signature and repository first, by hashing, and only
	// those few rows are sorted into each signature's list of repositories: one sort per
	// signature of every occurrence (string_agg(DISTINCT ...)) cost most of the query.
	st := newStmt("error_signatures")
	from := st.arg(req.From)
	st.add("SELECT s.signature_hash, s.text, o.n::float8, s.count::float8, s.first_seen, s.last_seen,\n",
		"  o.repos, s.first_seen >= ", from, ", o.example\n",
		"FROM (\n",
		"  SELECT x.signature_hash, sum(x.n) AS n, string_agg(x.repo, ', ' ORDER BY x.repo) AS repos, max(x.example) AS example\n",
		"  FROM (\n",
		"    SELECT o.signature_hash, o.repo, count(*) AS n, max(o.excerpt) AS example\n",
		"    FROM error_occurrences o\n",
		"    WHERE o.seen_at >= ", from, " AND o.seen_at < ", st.arg(req.To))
	m.Filters.where(st, occurrenceFilters)
	st.add("\n    GROUP BY 1, 2) x\n",
		"  GROUP BY 1) o\n",
		"JOIN ")
	if m.Filters.scope.IsZero() {
		st.add("error_signatures s ON s.signature_hash = o.signature_hash")
	} else {
		// A signature's count and first and last seen are the store's, over every
		// repository: a scoped answer takes them from the in-scope occurrences alone, so
		// that "new" means new to the repositories in scope.
		st.add("LATERAL (SELECT g.signature_hash, g.text, count(*) AS count, min(e.seen_at) AS first_seen, max(e.seen_at) AS last_seen\n",
			"  FROM error_signatures g JOIN error_occurrences e ON e.signature_hash = g.signature_hash\n",
			"  WHERE g.signature_hash = o.signature_hash")
		m.Filters.whereScope(st, sightingFilters)
		st.add(" GROUP BY 1, 2) s ON true")
	}
	if m.OnlyNew {
		st.add("\nWHERE s.first_seen >= ", from)
	}
	st.add("\nORDER BY 3 DESC, s.first_seen DESC, s.signature_hash LIMIT ", st.arg(limit))

	f := data.NewFrame("error_signatures",
		data.NewField("signature_hash", nil, []string{}),
		data.NewField("text", nil, []string{}),
		data.NewField("occurrences", nil, []float64{}),
		data.NewField("total_count", nil, []float64{}),
		data.NewField("first_seen", nil, []time.Time{}),
		data.NewField("last_seen", nil, []time.Time{}),
		data.NewField("repos", nil, []string{}),
		data.NewField("new", nil, []bool{}),
		data.NewField("example", nil, []string{}),
	)
	return table(ctx, env.DB, st, f)
}

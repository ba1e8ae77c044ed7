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
	"repos":     "o.repo = ANY(%s)",
	"orgs":      "EXISTS (SELECT 1 FROM workflow_jobs fj WHERE fj.job_id = o.job_id AND fj.org = ANY(%s))",
	"workflows": "EXISTS (SELECT 1 FROM workflow_jobs fj WHERE fj.job_id = o.job_id AND fj.workflow_name = ANY(%s))",
	"labels":    "EXISTS (SELECT 1 FROM workflow_jobs fj WHERE fj.job_id = o.job_id AND fj.label_key = ANY(%s))",
	"branches":  "EXISTS (SELECT 1 FROM workflow_jobs fj WHERE fj.job_id = o.job_id AND fj.head_branch = ANY(%s))",
}

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
	from, to := st.arg(req.From), st.arg(req.To)
	// Beside each signature, the step its jobs failed at most often in the range (0017). A
	// sub-select in the output list is evaluated after the sort and the limit, for the
	// signatures listed only.
	st.add("SELECT s.signature_hash, s.text,\n",
		"  (SELECT mode() WITHIN GROUP (ORDER BY fj.failed_step) FROM error_occurrences fo JOIN workflow_jobs fj ON fj.job_id = fo.job_id\n",
		"    WHERE fo.signature_hash = s.signature_hash AND fo.seen_at >= ", from, " AND fo.seen_at < ", to, " AND fj.failed_step <> ''),\n",
		"  o.n::float8, s.count::float8, s.first_seen, s.last_seen,\n",
		"  o.repos, s.first_seen >= ", from, ", o.example\n",
		"FROM (\n",
		"  SELECT x.signature_hash, sum(x.n) AS n, string_agg(x.repo, ', ' ORDER BY x.repo) AS repos, max(x.example) AS example\n",
		"  FROM (\n",
		"    SELECT o.signature_hash, o.repo, count(*) AS n, max(o.excerpt) AS example\n",
		"    FROM error_occurrences o\n",
		"    WHERE o.seen_at >= ", from, " AND o.seen_at < ", to)
	m.Filters.where(st, occurrenceFilters)
	st.add("\n    GROUP BY 1, 2) x\n",
		"  GROUP BY 1) o\n",
		"JOIN error_signatures s ON s.signature_hash = o.signature_hash")
	if m.OnlyNew {
		st.add("\nWHERE s.first_seen >= ", from)
	}
	st.add("\nORDER BY 4 DESC, s.first_seen DESC, s.signature_hash LIMIT ", st.arg(limit))

	f := data.NewFrame("error_signatures",
		data.NewField("signature_hash", nil, []string{}),
		data.NewField("text", nil, []string{}),
		data.NewField("failed_step", nil, []*string{}),
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

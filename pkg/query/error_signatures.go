package query

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// errorSignaturesModel is the error_signatures query.
type errorSignaturesModel struct {
	common
	OnlyNew bool `json:"onlyNew"`
	Limit   int  `json:"limit"`
	// Value "occurrences" answers for alert rules: one number per signature instead of
	// the table (see alertSignatures).
	Value string `json:"value"`
}

// occurrenceFilters applies to error_occurrences aliased o: the repository is on the row,
// everything else is on the job it hit.
var occurrenceFilters = filterTarget{
	"scope.org": "split_part(o.repo, '/', 1)", "scope.repo": "o.repo",
	"repos":     "o.repo = ANY(%s)",
	"forges":    "o.forge = ANY(%s)",
	"orgs":      "EXISTS (SELECT 1 FROM workflow_jobs fj WHERE fj.job_id = o.job_id AND fj.forge = o.forge AND fj.org = ANY(%s))",
	"workflows": "EXISTS (SELECT 1 FROM workflow_jobs fj WHERE fj.job_id = o.job_id AND fj.forge = o.forge AND fj.workflow_name = ANY(%s))",
	"labels":    "EXISTS (SELECT 1 FROM workflow_jobs fj WHERE fj.job_id = o.job_id AND fj.forge = o.forge AND fj.label_key = ANY(%s))",
	"branches":  "EXISTS (SELECT 1 FROM workflow_jobs fj WHERE fj.job_id = o.job_id AND fj.forge = o.forge AND fj.head_branch = ANY(%s))",
}

// sightingFilters applies the scope to error_occurrences aliased e, inside a query that
// already has an o.
var sightingFilters = filterTarget{"scope.org": "split_part(e.repo, '/', 1)", "scope.repo": "e.repo"}

// failedStepFilters scopes the jobs a signature's most frequent failing step is taken from.
var failedStepFilters = filterTarget{"scope.org": "fj.org", "scope.repo": "fj.repo"}

// ErrorSignatures answers error_signatures: signatures by occurrences within the range,
// with first and last seen, the repositories hit, and whether the signature is new (first
// seen within the range). onlyNew keeps the new ones: "which errors have never been seen
// before?". Each row carries the GitHub issue that tracks the signature (issue_url, found
// by the reconciler), and new_issue_url, which opens a new one filled in from it.
func ErrorSignatures(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m errorSignaturesModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	limit, err := limitOf(m.Limit, 20, 1000)
	if err != nil {
		return nil, err
	}
	if _, err := oneOf("value", m.Value, "", "occurrences"); err != nil {
		return nil, err
	}
	// Occurrences are counted per signature and repository first, by hashing, and only
	// those few rows are sorted into each signature's list of repositories: one sort per
	// signature of every occurrence (string_agg(DISTINCT ...)) cost most of the query.
	st := newStmt("error_signatures")
	from, to := st.arg(req.From), st.arg(req.To)
	// Beside each signature, the step its jobs failed at most often in the range (0017). A
	// sub-select in the output list is evaluated after the sort and the limit, for the
	// signatures listed only. A scoped answer counts in-scope jobs only.
	st.add("SELECT s.signature_hash, s.text,\n",
		"  (SELECT mode() WITHIN GROUP (ORDER BY fj.failed_step) FROM error_occurrences fo JOIN workflow_jobs fj ON fj.job_id = fo.job_id AND fj.forge = fo.forge\n",
		"    WHERE fo.signature_hash = s.signature_hash AND fo.seen_at >= ", from, " AND fo.seen_at < ", to, " AND fj.failed_step <> ''")
	m.Filters.whereScope(st, failedStepFilters)
	st.add("),\n",
		"  o.n::float8, s.count::float8, s.first_seen, s.last_seen,\n",
		"  o.repos, s.first_seen >= ", from, ", o.example, s.issue_url, s.issue_state, o.top_repo\n",
		"FROM (\n",
		"  SELECT x.signature_hash, sum(x.n) AS n, string_agg(x.repo, ', ' ORDER BY x.repo) AS repos, max(x.example) AS example,\n",
		"    (array_agg(x.repo ORDER BY x.n DESC, x.repo))[1] AS top_repo\n",
		"  FROM (\n",
		"    SELECT o.signature_hash, o.repo, count(*) AS n, max(o.excerpt) AS example\n",
		"    FROM error_occurrences o\n",
		"    WHERE o.seen_at >= ", from, " AND o.seen_at < ", to)
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
		// The tracking issue may live in a repository out of scope: a scoped answer omits it.
		st.add("LATERAL (SELECT g.signature_hash, g.text, count(*) AS count, min(e.seen_at) AS first_seen, max(e.seen_at) AS last_seen,\n",
			"  NULL::text AS issue_url, NULL::text AS issue_state\n",
			"  FROM error_signatures g JOIN error_occurrences e ON e.signature_hash = g.signature_hash\n",
			"  WHERE g.signature_hash = o.signature_hash")
		m.Filters.whereScope(st, sightingFilters)
		st.add(" GROUP BY 1, 2) s ON true")
	}
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
		link(data.NewField("issue_url", nil, []string{}), "Open the tracking issue"),
		data.NewField("issue_state", nil, []string{}),
		data.NewField("top_repo", nil, []string{}),
	)
	frames, err := table(ctx, env.DB, st, f)
	if err != nil {
		return nil, err
	}
	if m.Value != "" {
		return alertSignatures(frames[0], st), nil
	}
	rebaseIssueLinks(env, frames[0])
	return frames, addNewIssueLinks(env, frames[0])
}

// rebaseIssueLinks puts the tracking issues' addresses, as the search API gave them, on
// the configured web base, as every other link is: the host users reach is not always
// the one the API names (GitHub Enterprise Server behind a proxy).
func rebaseIssueLinks(env Env, f *data.Frame) {
	urls, _ := f.FieldByName("issue_url")
	for i := 0; urls != nil && i < urls.Len(); i++ {
		if u := urls.At(i).(string); u != "" {
			urls.Set(i, rebase(u, env.gitHubWebURL()))
		}
	}
}

// alertSignatures turns the table into what an alert rule reduces: one numeric frame per
// signature, its occurrences within the range, labelled with the signature's id, the
// repository it hit most and that repository's organisation, and the error's first words.
// With onlyNew, "a new error, seen for the first time" fires while the signature's first
// sighting is within the rule's range, and resolves once it is not.
func alertSignatures(t *data.Frame, st *stmt) data.Frames {
	col := func(name string) *data.Field { f, _ := t.FieldByName(name); return f }
	hash, text, repo, n := col("signature_hash"), col("text"), col("top_repo"), col("occurrences")
	var out data.Frames
	for i := 0; i < t.Rows(); i++ {
		r := repo.At(i).(string)
		org, _, _ := strings.Cut(r, "/")
		labels := data.Labels{"signature": hash.At(i).(string), "repo": r, "org": org, "error": truncate(text.At(i).(string), 100)}
		out = append(out, numeric("occurrences", labels, n.At(i).(float64), "", st))
	}
	if len(out) == 0 {
		out = data.Frames{finish(data.NewFrame("error_signatures"), st, data.FrameTypeNumericMulti)}
	}
	return out
}

// addNewIssueLinks adds new_issue_url: GitHub's new-issue form on the repository the
// signature hit most, filled in from the signature. The body carries the signature's id,
// which is how the reconciler then links the issue back (reconcile/issues.go).
func addNewIssueLinks(env Env, f *data.Frame) error {
	col := func(name string) (*data.Field, error) {
		fl, _ := f.FieldByName(name)
		if fl == nil {
			return nil, fmt.Errorf("error_signatures: no field %s", name)
		}
		return fl, nil
	}
	var fields [6]*data.Field
	for i, name := range []string{"signature_hash", "text", "example", "top_repo", "first_seen", "total_count"} {
		fl, err := col(name)
		if err != nil {
			return err
		}
		fields[i] = fl
	}
	urls := make([]string, f.Rows())
	for i := range urls {
		hash, text, example := fields[0].At(i).(string), fields[1].At(i).(string), fields[2].At(i).(string)
		first, total := fields[4].At(i).(time.Time), fields[5].At(i).(float64)
		title := "CI error: " + truncate(text, 80)
		body := fmt.Sprintf("CI Radar error signature: %s\n\nThe error, normalised:\n```\n%s\n```\nAs one log had it:\n```\n%s\n```\n"+
			"First seen %s; %.0f jobs so far.\n\nKeep the signature id in this issue: CI Radar links the error to the issue by it.",
			hash, truncate(text, 500), truncate(example, 500), first.UTC().Format(time.RFC3339), total)
		urls[i] = newIssueURL(env, fields[3].At(i).(string), title, body)
	}
	f.Fields = append(f.Fields, link(data.NewField("new_issue_url", nil, urls), "Open a new issue for this error"))
	return nil
}

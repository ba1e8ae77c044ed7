package query

import (
	"context"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// annotationsModel is an annotation query.
type annotationsModel struct {
	common
	Source string `json:"source"`
}

// Annotations answers annotation queries: failed runs on default branches, or status page
// incidents, as frames with time, time_end, title, text and tags (comma-separated, which
// Grafana splits).
func Annotations(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m annotationsModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	source, err := oneOf("source", m.Source, "failed_runs", "failed_runs", "incidents")
	if err != nil {
		return nil, err
	}
	f := data.NewFrame("annotations",
		data.NewField("time", nil, []time.Time{}),
		data.NewField("time_end", nil, []*time.Time{}),
		data.NewField("title", nil, []string{}),
		data.NewField("text", nil, []string{}),
		data.NewField("tags", nil, []string{}),
	)
	if source == "incidents" {
		return incidentAnnotations(ctx, env, req, f)
	}
	st := newStmt("annotations_failed_runs")
	// The first 1,000 are chosen from workflow_runs_failed_default_idx alone (0035: it holds
	// the start time and the key), and only they are read: a 90-day range read all of its
	// 17,000 failed runs to sort them (issue 18).
	w := webLinks(st, env).at("a.forge", "a.forge_url")
	st.add("SELECT coalesce(a.run_started_at, a.created_at), a.updated_at,\n",
		"  a.workflow_name || ' failed on ' || a.head_branch,\n",
		"  a.repo || ': ' || a.display_title || ' (' || a.conclusion || ') ' || coalesce(", w.run("a.repo", "a.run_id"), ", ''),\n",
		"  concat_ws(',', a.repo, a.workflow_name, a.event)\n",
		"FROM (\n",
		"  SELECT r.run_id, r.run_attempt, r.forge, coalesce(r.run_started_at, r.created_at) AS at FROM workflow_runs r\n",
		"  WHERE r.created_at >= ", st.arg(req.From), " AND r.created_at < ", st.arg(req.To),
		" AND r.conclusion IN ", failed, " AND r.default_branch <> '' AND r.head_branch = r.default_branch")
	m.Filters.where(st, runFilters.without("conclusions", "branches"))
	st.add("\n  ORDER BY 4, r.run_id LIMIT 1000\n",
		") x JOIN workflow_runs a USING (run_id, run_attempt, forge)\n",
		"ORDER BY x.at, a.run_id")
	return table(ctx, env.DB, st, f)
}

// incidentAnnotations lists the status page incidents that overlap the range.
func incidentAnnotations(ctx context.Context, env Env, req Request, f *data.Frame) (data.Frames, error) {
	if env.Status == nil {
		return nil, badQuery("no status page is configured")
	}
	list, err := env.Status.Incidents(ctx)
	if err != nil {
		return nil, &UpstreamError{Service: "status page", Err: err}
	}
	for _, in := range list {
		end := in.ResolvedAt
		if in.CreatedAt.After(req.To) || (end != nil && end.Before(req.From)) {
			continue
		}
		var endUTC *time.Time
		if end != nil {
			e := end.UTC()
			endUTC = &e
		}
		text := in.Shortlink
		if len(in.Updates) > 0 {
			text = strings.TrimSpace(in.Updates[0].Body + " " + in.Shortlink)
		}
		f.AppendRow(in.CreatedAt.UTC(), endUTC, in.Name, text, strings.Join([]string{"github-status", in.Impact, in.Status}, ","))
	}
	finish(f, nil, data.FrameTypeTable)
	f.Meta.ExecutedQueryString = "GET status page incidents.json"
	return data.Frames{f}, nil
}

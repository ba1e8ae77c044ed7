package query

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
)

// queuedNowModel is the queued_now query.
type queuedNowModel struct {
	common
	// Value picks one measure, so that an alert rule gets one series per label set: with
	// both, count and age would share labels and alerting could not tell them apart.
	Value string `json:"value"`
}

// QueuedNow answers queued_now: per label set, how many jobs wait for a runner and how
// long the oldest has waited, measured at the end of the time range (now, on a live
// dashboard and in alerting). A job waiting for an environment approval is not waiting for
// a runner; once approved, its wait starts at the approval. A GitLab job's wait starts when
// it entered 'pending' (queued_at), not when its pipeline created it (docs/gitlab.md).
func QueuedNow(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m queuedNowModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	value, err := oneOf("value", m.Value, "both", "both", "count", "oldest_age_seconds")
	if err != nil {
		return nil, err
	}
	st := newStmt("queued_now")
	at := st.arg(req.To)
	st.add("SELECT j.label_key, count(*)::float8,\n",
		"  extract(epoch FROM ", at, " - min(CASE WHEN j.queued_last_at > j.waiting_last_at THEN j.queued_last_at ELSE coalesce(j.queued_at, j.created_at) END))::float8\n",
		"FROM workflow_jobs j\nWHERE j.status = 'queued' AND j.created_at < ", at)
	m.Filters.where(st, jobFilters.without("conclusions"))
	st.add("\nGROUP BY 1 ORDER BY 1")

	var frames data.Frames
	err = collect(ctx, env.DB, st, func(r pgx.Rows) error {
		var label string
		var n, age float64
		if err := r.Scan(&label, &n, &age); err != nil {
			return err
		}
		labels := data.Labels{"label_key": label}
		if value != "oldest_age_seconds" {
			frames = append(frames, numeric("count", labels, n, "", st))
		}
		if value != "count" {
			frames = append(frames, numeric("oldest_age_seconds", labels, max(age, 0), "s", st))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(frames) == 0 {
		// No queued job: an empty typed frame, which alerting reads as "no data" rather
		// than as an error.
		frames = data.Frames{finish(data.NewFrame("queued_now"), st, data.FrameTypeNumericMulti)}
	}
	return frames, nil
}

// numeric builds one "now" value: a numeric frame with one labelled field.
func numeric(name string, labels data.Labels, v float64, u string, st *stmt) *data.Frame {
	f := data.NewField(name, labels, []float64{v})
	if u != "" {
		unit(f, u)
	}
	return finish(data.NewFrame(name, f), st, data.FrameTypeNumericMulti)
}

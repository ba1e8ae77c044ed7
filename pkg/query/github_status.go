package query

import (
	"context"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// githubStatusModel is the github_status query.
type githubStatusModel struct {
	View string `json:"view"`
}

// UpstreamError is a failure of a service CI Radar reads but does not run (the status
// page): the plugin reports it as the service's fault, not the plugin's.
type UpstreamError struct {
	Service string
	Err     error
}

func (e *UpstreamError) Error() string { return fmt.Sprintf("%s: %v", e.Service, e.Err) }
func (e *UpstreamError) Unwrap() error { return e.Err }

// GitHubStatus answers github_status from the status page summary: its components, or its
// unresolved incidents with their latest update.
func GitHubStatus(ctx context.Context, env Env, req Request) (data.Frames, error) {
	var m githubStatusModel
	if err := decode(req, &m); err != nil {
		return nil, err
	}
	view, err := oneOf("view", m.View, "components", "components", "incidents")
	if err != nil {
		return nil, err
	}
	if env.Status == nil {
		return nil, badQuery("no status page is configured")
	}
	s, err := env.Status.Summary(ctx)
	if err != nil {
		return nil, &UpstreamError{Service: "status page", Err: err}
	}
	var f *data.Frame
	if view == "components" {
		f = data.NewFrame("github_status_components",
			data.NewField("name", nil, []string{}),
			data.NewField("status", nil, []string{}),
			data.NewField("description", nil, []string{}),
			data.NewField("updated_at", nil, []time.Time{}),
		)
		for _, c := range s.Components {
			if c.Group {
				continue // a group is a heading, its members carry the status
			}
			f.AppendRow(c.Name, c.Status, c.Description, c.UpdatedAt.UTC())
		}
	} else {
		f = data.NewFrame("github_status_incidents",
			data.NewField("name", nil, []string{}),
			data.NewField("status", nil, []string{}),
			data.NewField("impact", nil, []string{}),
			data.NewField("created_at", nil, []time.Time{}),
			data.NewField("updated_at", nil, []time.Time{}),
			data.NewField("latest_update", nil, []string{}),
			link(data.NewField("url", nil, []string{}), "Open incident"),
		)
		for _, in := range s.Incidents {
			latest := ""
			if len(in.Updates) > 0 {
				latest = in.Updates[0].Body // Statuspage lists updates newest first
			}
			f.AppendRow(in.Name, in.Status, in.Impact, in.CreatedAt.UTC(), in.UpdatedAt.UTC(), latest, in.Shortlink)
		}
	}
	finish(f, nil, data.FrameTypeTable)
	f.Meta.ExecutedQueryString = "GET status page summary.json (" + view + ")"
	return data.Frames{f}, nil
}

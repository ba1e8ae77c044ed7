package fakegithub

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/go-github/v62/github"
)

// deliveries lists a hook's deliveries newest first. Like GitHub it pages with an opaque
// cursor in the Link header rather than page numbers.
func (s *Server) deliveries(w http.ResponseWriter, r *http.Request) {
	per := min(max(atoi(r.URL.Query().Get("per_page"), 30), 1), 100)
	var before int64
	if c := r.URL.Query().Get("cursor"); c != "" {
		n, err := strconv.ParseInt(strings.TrimPrefix(c, "v1_"), 10, 64)
		if err != nil {
			s.reply(w, r, http.StatusUnprocessableEntity, msg("invalid cursor"))
			return
		}
		before = n
	}
	list, more := s.cfg.Hooks.List(r.PathValue("org"), id(r, "hook"), before, per)
	if more {
		q := r.URL.Query()
		q.Set("per_page", strconv.Itoa(per))
		q.Set("cursor", "v1_"+strconv.FormatInt(list[len(list)-1].ID, 10))
		w.Header().Set("Link", `<`+absolute(r)+"?"+q.Encode()+`>; rel="next"`)
	}
	out := make([]*github.HookDelivery, len(list))
	for i, d := range list {
		out[i] = apiDelivery(d, false)
	}
	s.reply(w, r, http.StatusOK, out)
}

func (s *Server) delivery(w http.ResponseWriter, r *http.Request) {
	d, ok := s.cfg.Hooks.Get(r.PathValue("org"), id(r, "hook"), id(r, "id"))
	if !ok {
		s.notFound(w, r)
		return
	}
	s.reply(w, r, http.StatusOK, apiDelivery(d, true))
}

func (s *Server) redeliver(w http.ResponseWriter, r *http.Request) {
	_, err := s.cfg.Hooks.Redeliver(r.Context(), r.PathValue("org"), id(r, "hook"), id(r, "id"), s.cfg.Now())
	switch {
	case errors.Is(err, errNotFound):
		s.notFound(w, r)
	case err != nil:
		s.reply(w, r, http.StatusBadGateway, msg(err.Error()))
	default:
		s.reply(w, r, http.StatusAccepted, map[string]any{})
	}
}

func apiDelivery(d HookDelivery, full bool) *github.HookDelivery {
	secs := d.Duration.Seconds()
	out := &github.HookDelivery{ID: &d.ID, GUID: &d.GUID, DeliveredAt: &github.Timestamp{Time: d.DeliveredAt},
		Redelivery: &d.Redelivery, Duration: &secs, Status: github.String(d.Status()),
		StatusCode: &d.StatusCode, Event: &d.Event, Action: &d.Action, InstallationID: github.Int64(0), RepositoryID: &d.RepoID}
	if full {
		h := map[string]string{}
		for k := range d.Headers {
			h[k] = d.Headers.Get(k)
		}
		raw := json.RawMessage(d.Body)
		out.Request = &github.HookRequest{Headers: h, RawPayload: &raw}
		empty := json.RawMessage("{}")
		out.Response = &github.HookResponse{Headers: map[string]string{}, RawPayload: &empty}
	}
	return out
}

package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// CallResource serves GET /variables/{name}?org=&repo= for template variables and editor
// dropdowns: a sorted JSON array of strings.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	name, ok := strings.CutPrefix(strings.Trim(req.Path, "/"), "variables/")
	if !ok || req.Method != http.MethodGet {
		return sendJSON(sender, http.StatusNotFound, map[string]string{"error": "not found: use GET /variables/{" + strings.Join(query.VariableNames(), ",") + "}"})
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return sendJSON(sender, http.StatusBadRequest, map[string]string{"error": "bad URL"})
	}
	vals, err := query.Variables(ctx, d.pool, name, u.Query().Get("org"), u.Query().Get("repo"))
	if err != nil {
		res := errorResponse(err)
		code := http.StatusInternalServerError
		if res.Status != 0 {
			code = int(res.Status)
		}
		return sendJSON(sender, code, map[string]string{"error": err.Error()})
	}
	slices.Sort(vals)
	return sendJSON(sender, http.StatusOK, vals)
}

func sendJSON(sender backend.CallResourceResponseSender, code int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return sender.Send(&backend.CallResourceResponse{
		Status:  code,
		Headers: map[string][]string{"Content-Type": {"application/json"}},
		Body:    body,
	})
}

func sortStrings(s []string) { slices.Sort(s) }

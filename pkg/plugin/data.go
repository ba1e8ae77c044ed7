package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// QueryData runs each query of the request through its registered type. Queries run one
// after another: the pool is small on purpose, and one panel's queries are few.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	fromAlert := req.GetHTTPHeader(backend.FromAlertHeaderName) != ""
	// Read once per request, before the queries: their answers are at least this fresh.
	rep, repErr := d.replica(ctx)
	stale := rep.stale(d.settings.ReplicaLag())
	for _, q := range req.Queries {
		res := d.query(ctx, q, fromAlert)
		if repErr == nil && res.Error == nil {
			rep.mark(res.Frames, stale)
			if stale != "" {
				res = staleResponse(res, stale)
			}
		}
		resp.Responses[q.RefID] = res
	}
	return resp, nil
}

func (d *Datasource) query(ctx context.Context, q backend.DataQuery, fromAlert bool) (res backend.DataResponse) {
	// A bug in one query type must cost one panel its answer, not the plugin process.
	defer func() {
		if r := recover(); r != nil {
			res = backend.ErrDataResponseWithSource(backend.StatusInternal, backend.ErrorSourcePlugin,
				fmt.Sprintf("query %q failed unexpectedly: %v", query.Echo(q.RefID), r))
		}
	}()
	began := time.Now()
	qt, err := queryType(q)
	if err != nil {
		return d.errorResponse(ctx, "this", began, err)
	}
	run, ok := queryTypes[qt]
	if !ok {
		// Echoed cut short: the type is whatever the request said, 100 KB or NUL bytes.
		return d.errorResponse(ctx, "this", began, &query.BadQueryError{Msg: fmt.Sprintf("unknown queryType %q: use one of %s",
			query.Echo(qt), strings.Join(typeNames(), ", "))})
	}
	if d.settings.scopeErr != nil {
		return d.errorResponse(ctx, qt, began, d.scopeRefusal())
	}
	req := query.Request{
		RefID: q.RefID, From: q.TimeRange.From, To: q.TimeRange.To, Interval: q.Interval,
		MaxDataPoints: q.MaxDataPoints, JSON: q.JSON, FromAlert: fromAlert, Scope: d.settings.scope,
	}
	if err := req.Validate(); err != nil {
		return d.errorResponse(ctx, qt, began, err)
	}
	frames, err := query.Run(ctx, run, d.env(), req)
	if err == nil {
		frames, err = query.SelectValue(req, frames)
	}
	if err != nil {
		return d.errorResponse(ctx, qt, began, err)
	}
	return backend.DataResponse{Frames: frames}
}

// queryType reads the type from the query, or from its JSON when Grafana did not lift it
// (older alert rules and provisioned queries).
func queryType(q backend.DataQuery) (string, error) {
	if q.QueryType != "" {
		return q.QueryType, nil
	}
	var head struct {
		QueryType string `json:"queryType"`
	}
	if len(q.JSON) > 0 {
		if err := json.Unmarshal(q.JSON, &head); err != nil {
			return "", &query.BadQueryError{Msg: fmt.Sprintf("query JSON is invalid: %s", query.Echo(err.Error()))}
		}
	}
	if head.QueryType == "" {
		return "", &query.BadQueryError{Msg: "queryType is missing: set it to one of " + strings.Join(typeNames(), ", ")}
	}
	return head.QueryType, nil
}

// errorResponse classifies a failed call that began at began (see classify).
func (d *Datasource) errorResponse(ctx context.Context, what string, began time.Time, err error) backend.DataResponse {
	return classify(err, failure{what: what, canceled: ctx.Err() != nil, elapsed: time.Since(began), timeout: d.settings.QueryTimeout()})
}

func typeNames() []string {
	names := make([]string, 0, len(queryTypes))
	for n := range queryTypes {
		names = append(names, n)
	}
	sortStrings(names)
	return names
}

package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/ciradar/ciradar/pkg/store"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// QueryData runs each query of the request through its registered type. Queries run one
// after another: the pool is small on purpose, and one panel's queries are few.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	fromAlert := req.GetHTTPHeader(backend.FromAlertHeaderName) != ""
	for _, q := range req.Queries {
		resp.Responses[q.RefID] = d.query(ctx, q, fromAlert)
	}
	return resp, nil
}

func (d *Datasource) query(ctx context.Context, q backend.DataQuery, fromAlert bool) (res backend.DataResponse) {
	// A bug in one query type must cost one panel its answer, not the plugin process.
	defer func() {
		if r := recover(); r != nil {
			res = backend.ErrDataResponseWithSource(backend.StatusInternal, backend.ErrorSourcePlugin,
				fmt.Sprintf("query %s failed unexpectedly: %v", q.RefID, r))
		}
	}()
	qt, err := queryType(q)
	if err != nil {
		return errorResponse(err)
	}
	run, ok := queryTypes[qt]
	if !ok {
		return errorResponse(&query.BadQueryError{Msg: fmt.Sprintf("unknown queryType %q", qt)})
	}
	req := query.Request{
		RefID: q.RefID, From: q.TimeRange.From, To: q.TimeRange.To, Interval: q.Interval,
		MaxDataPoints: q.MaxDataPoints, JSON: q.JSON, FromAlert: fromAlert,
	}
	if err := req.Validate(); err != nil {
		return errorResponse(err)
	}
	frames, err := run(ctx, d.env(), req)
	if err == nil {
		frames, err = query.SelectValue(req, frames)
	}
	if err != nil {
		return errorResponse(err)
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
			return "", &query.BadQueryError{Msg: fmt.Sprintf("query JSON is invalid: %v", err)}
		}
	}
	if head.QueryType == "" {
		return "", &query.BadQueryError{Msg: "queryType is missing: set it to one of " + strings.Join(typeNames(), ", ")}
	}
	return head.QueryType, nil
}

// errorResponse classifies an error once: the user's query, a service we read, the
// database being unreachable (all downstream), or a fault of the plugin itself.
func errorResponse(err error) backend.DataResponse {
	var bad *query.BadQueryError
	var up *query.UpstreamError
	switch {
	case errors.As(err, &bad):
		return backend.DataResponse{Error: backend.DownstreamError(err), ErrorSource: backend.ErrorSourceDownstream, Status: backend.StatusBadRequest}
	case errors.As(err, &up):
		return backend.DataResponse{Error: backend.DownstreamError(err), ErrorSource: backend.ErrorSourceDownstream, Status: backend.StatusBadGateway}
	case store.IsUnavailable(err):
		return backend.DataResponse{Error: backend.DownstreamError(fmt.Errorf("database unavailable: %w", err)), ErrorSource: backend.ErrorSourceDownstream, Status: backend.StatusBadGateway}
	}
	return backend.DataResponse{Error: err, ErrorSource: backend.ErrorSourcePlugin, Status: backend.StatusInternal}
}

func typeNames() []string {
	names := make([]string, 0, len(queryTypes))
	for n := range queryTypes {
		names = append(names, n)
	}
	sortStrings(names)
	return names
}

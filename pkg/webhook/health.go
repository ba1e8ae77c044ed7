package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
)

// Database is what readiness needs to know about the store.
type Database interface {
	Ping(ctx context.Context) error
	Schema(ctx context.Context) (store.SchemaStatus, error)
}

// Liveness answers 200 while the process can serve HTTP at all.
func Liveness() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// Readiness answers 200 when the database answers and its schema is current, 503 otherwise,
// within about a second either way.
func Readiness(db Database) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
			return
		}
		st, err := db.Schema(ctx)
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "schema": "unreadable"})
			return
		}
		if !st.Current() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "schema": "behind", "missing": st.Missing})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "schema_version": st.Applied})
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

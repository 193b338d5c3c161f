package adaptor

import (
	"context"
	"net/http"
	"time"
)

// Admin returns the router of the admin listener (admin.addr): /healthz answers 200 while the
// process serves; /readyz answers 200 only while ready (the store reachable) returns nil, within
// two seconds (a nil ready is always ready); /metrics serves metrics, when not nil. The console
// registers its routes on the same router.
func Admin(ready func(context.Context) error, metrics http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeStatus(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := ready(ctx); err != nil {
				writeStatus(w, http.StatusServiceUnavailable, "unavailable")
				return
			}
		}
		writeStatus(w, http.StatusOK, "ok")
	})
	return mux
}

// AdminMaxConnections bounds the admin listener's open connections: load balancers, a scraper
// and an operator's browser need few, and the lookup listener's server.max_connections is not
// theirs to take.
const AdminMaxConnections = 64

// adminTimeout bounds each request to the admin listener, and its silence.
const adminTimeout = 5 * time.Second

// NewAdminServer returns the http.Server of the admin listener: each request within
// adminTimeout, idle connections closed after a minute.
func NewAdminServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: adminTimeout,
		ReadTimeout:       adminTimeout,
		WriteTimeout:      adminTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

func writeStatus(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"status":"` + text + `"}`))
}

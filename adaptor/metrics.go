package adaptor

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// Metrics are the Prometheus series the server records. Register them on the registry the
// admin listener serves; a Server built without Metrics records into an unexported registry.
type Metrics struct {
	lookups        *prometheus.CounterVec
	lookupDuration *prometheus.HistogramVec
	sigFailures    *prometheus.CounterVec
	sigVerified    *prometheus.CounterVec
	storeDuration  *prometheus.HistogramVec
}

// latencyBuckets span 0.25 ms to 8 s.
var latencyBuckets = prometheus.ExponentialBuckets(0.00025, 2, 16)

// NewMetrics creates the series and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lookup_adaptor_requests_total",
			Help: "Requests answered, by lookup kind (none when the request never got that far) and HTTP status.",
		}, []string{"kind", "code"}),
		lookupDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lookup_adaptor_request_duration_seconds",
			Help:    "Time to answer a request, by lookup kind.",
			Buckets: latencyBuckets,
		}, []string{"kind"}),
		sigFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lookup_adaptor_auth_failures_total",
			Help: "Requests refused with 401, by reason (signing reasons, or basic_auth).",
		}, []string{"reason"}),
		sigVerified: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lookup_adaptor_signature_verified_total",
			Help: "Signatures verified, by the query-string form that matched (canonical or legacy).",
		}, []string{"form"}),
		storeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lookup_adaptor_store_query_duration_seconds",
			Help:    "Time spent in the store, by operation and outcome (ok, not_found, error).",
			Buckets: latencyBuckets,
		}, []string{"op", "outcome"}),
	}
	reg.MustRegister(m.lookups, m.lookupDuration, m.sigFailures, m.sigVerified, m.storeDuration)
	return m
}

// observeRequest records one answered request.
func (m *Metrics) observeRequest(kind LookupKind, status int, elapsed time.Duration) {
	if kind == "" {
		kind = "none"
	}
	m.lookups.WithLabelValues(string(kind), strconv.Itoa(status)).Inc()
	m.lookupDuration.WithLabelValues(string(kind)).Observe(elapsed.Seconds())
}

// timedStore records how long each store call takes.
type timedStore struct {
	store.Store
	m *Metrics
}

func (t timedStore) observe(op string, start time.Time, err error) {
	outcome := "ok"
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		outcome = "not_found"
	default:
		outcome = "error"
	}
	t.m.storeDuration.WithLabelValues(op, outcome).Observe(time.Since(start).Seconds())
}

func (t timedStore) Link(ctx context.Context, q store.Link) (cs []store.Customer, err error) {
	start := time.Now()
	defer func() { t.observe("link", start, err) }()
	return t.Store.Link(ctx, q)
}

func (t timedStore) Search(ctx context.Context, q store.Search) (cs []store.Customer, err error) {
	start := time.Now()
	defer func() { t.observe("search", start, err) }()
	return t.Store.Search(ctx, q)
}

func (t timedStore) Customer(ctx context.Context, id string, max int) (c store.Customer, err error) {
	start := time.Now()
	defer func() { t.observe("customer", start, err) }()
	return t.Store.Customer(ctx, id, max)
}

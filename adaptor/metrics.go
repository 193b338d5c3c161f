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
	undelivered    *prometheus.CounterVec
	replays        prometheus.Counter
	replayEvicted  prometheus.Counter
	logDropped     *prometheus.CounterVec
	connsOpen      *prometheus.GaugeVec
	connsMax       *prometheus.GaugeVec
	connsSaturated *prometheus.CounterVec
	busy           prometheus.Counter
	closedEarly    prometheus.Counter
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
			Help: "Signatures verified, by the query-string form (canonical or legacy) and the header-value form (trimmed or collapsed) that matched.",
		}, []string{"form", "headers"}),
		storeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lookup_adaptor_store_query_duration_seconds",
			Help:    "Time spent in the store, by operation and outcome (ok, not_found, error).",
			Buckets: latencyBuckets,
		}, []string{"op", "outcome"}),
		undelivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lookup_adaptor_answers_undelivered_total",
			Help: "Answers the client never received (it went away, or the write deadline passed), by lookup kind; not counted in requests_total.",
		}, []string{"kind"}),
		replays: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lookup_adaptor_signature_replays_total",
			Help: "Verified requests whose signature this process had already seen within the freshness window.",
		}),
		replayEvicted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lookup_adaptor_signature_replay_evictions_total",
			Help: "Signatures forgotten by the replay memory before their freshness window ended (it was full): replays of those go unnoticed.",
		}),
		logDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lookup_adaptor_log_lines_dropped_total",
			Help: "Request log lines of failed requests left out by the log rate limit, by whether the request was verified (verified requests have a budget of their own).",
		}, []string{"verified"}),
		connsOpen: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lookup_adaptor_connections_open",
			Help: "Connections open on the listener.",
		}, []string{"listener"}),
		connsMax: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lookup_adaptor_connections_max",
			Help: "The most connections the listener keeps open (server.max_connections for lookups).",
		}, []string{"listener"}),
		connsSaturated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lookup_adaptor_connections_saturated_total",
			Help: "Times a new connection found every slot of the listener taken and waited for one.",
		}, []string{"listener"}),
		busy: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lookup_adaptor_unverified_body_budget_exhausted_total",
			Help: "Requests answered 503 because the body bytes held by requests not yet verified reached their budget.",
		}),
		closedEarly: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lookup_adaptor_unverified_connections_closed_total",
			Help: "Connections closed after answering a request that was not verified (refused, or a wrong path or method).",
		}),
	}
	reg.MustRegister(m.lookups, m.lookupDuration, m.sigFailures, m.sigVerified, m.storeDuration,
		m.undelivered, m.replays, m.replayEvicted, m.logDropped, m.connsOpen, m.connsMax, m.connsSaturated,
		m.busy, m.closedEarly)
	return m
}

// observeRequest records one answered request.
func (m *Metrics) observeRequest(kind LookupKind, status int, elapsed time.Duration) {
	m.lookups.WithLabelValues(kindLabel(kind), strconv.Itoa(status)).Inc()
	m.lookupDuration.WithLabelValues(kindLabel(kind)).Observe(elapsed.Seconds())
}

// kindLabel is the metric label of a lookup kind: "none" for a request that never got that far.
func kindLabel(kind LookupKind) string {
	if kind == "" {
		return "none"
	}
	return string(kind)
}

// observeUndelivered records an answer that did not reach the client.
func (m *Metrics) observeUndelivered(kind LookupKind) {
	m.undelivered.WithLabelValues(kindLabel(kind)).Inc()
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

// Package adaptor is the HTTP side of the Lookup Adaptor: the echo server Gladly calls, its
// middleware chain (body limit, signature, Basic auth, request log, panic recovery), request
// decoding and validation, the three lookups and the one table that turns failures into the
// answers of docs/protocol.md, Errors.
//
// Build a Server with New and serve it with any net/http server:
//
//	srv, err := adaptor.New(adaptor.Options{Verifier: v, Store: st, Normalizer: n}, logger)
//	if err != nil { … }
//	http.ListenAndServe("127.0.0.1:8080", srv)
//
// Package cli builds one from the configuration, with everything around it (TLS, reload, the
// admin listener); use that unless the server is one part of a program of one's own.
package adaptor

import (
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// BasicAuth holds the HTTP Basic credentials Gladly is configured to send. With an empty
// Username, Basic auth is off; otherwise every lookup must carry exactly these credentials.
type BasicAuth struct {
	Username string
	Password string
	Realm    string
}

// Options configure a Server. Zero values take the defaults of docs/configuration.md where one exists.
type Options struct {
	// Path is where Gladly POSTs lookups (server.path).
	Path string
	// SigningPath is the path Gladly signed, when a reverse proxy rewrites it before it reaches
	// the server (signing.path); empty means the request's own path.
	SigningPath string
	// MaxBodyBytes bounds the request body (server.max_body_bytes).
	MaxBodyBytes int64
	// RequestTimeout bounds the work done for one lookup (server.request_timeout).
	RequestTimeout time.Duration
	// Verifier checks Gladly's signature; required. SetAuth replaces it (and Basic) later.
	Verifier *signing.Verifier
	// RejectReplays refuses a request whose signature was already seen within the freshness
	// window (signing.reject_replays); replays are counted either way.
	RejectReplays bool
	// Basic is the optional HTTP Basic check (auth.basic.*).
	Basic BasicAuth
	// Now is the clock used for signature freshness; nil means time.Now.
	Now func() time.Time
	// Store answers the lookups; required.
	Store store.Store
	// Normalizer puts phone numbers in queries and answers in E.164 form; required.
	Normalizer *store.Normalizer
	// SearchFields maps Gladly's search attribute names to what they search
	// (matching.search_fields, from ParseSearchFields); nil follows the default rules.
	SearchFields SearchFields
	// MaxResults caps BASIC answers (store.max_results).
	MaxResults int
	// MaxTransactions caps the transactions of a DETAILED answer (store.max_transactions).
	MaxTransactions int
	// Observer, when not nil, is told of every request answered (the console's recent list).
	Observer Observer
	// Actions are the actions DETAILED answers offer and the routes that serve them.
	Actions Actions
	// Metrics receives the server's Prometheus series; nil records into a private registry.
	Metrics *Metrics
}

// The defaults of the options that have one: the one source of the configuration's defaults
// too (package cli builds DefaultConfig from these).
const (
	DefaultPath            = "/lookup"
	DefaultMaxBodyBytes    = 64 << 10
	DefaultRequestTimeout  = 5 * time.Second
	DefaultMaxResults      = 25
	DefaultMaxTransactions = 50
)

// Server answers Gladly's lookups. It is an http.Handler, safe for concurrent use.
type Server struct {
	opts     Options
	log      *zap.Logger
	echo     *echo.Echo
	validate *validator.Validate
	auth     atomic.Pointer[authState]
	replays  *signing.Replays
	failures *failureLog // unverified requests' failures
	// verifiedFailures is the log budget of verified requests' failures.
	verifiedFailures *failureLog
	draining         atomic.Bool
	// unverifiedBytes is what the bodies of requests not yet verified hold of
	// unverifiedBodyBudget.
	unverifiedBytes atomic.Int64
}

// New builds a Server from opts; log receives one line per request and the causes of failures.
// It fails without a Store, a Normalizer or a Verifier holding at least one key.
func New(opts Options, log *zap.Logger) (*Server, error) {
	switch {
	case opts.Store == nil:
		return nil, errors.New("adaptor: Options.Store is required")
	case opts.Normalizer == nil:
		return nil, errors.New("adaptor: Options.Normalizer is required")
	}
	if opts.Path == "" {
		opts.Path = DefaultPath
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxResults <= 0 {
		opts.MaxResults = DefaultMaxResults
	}
	if opts.MaxTransactions <= 0 {
		opts.MaxTransactions = DefaultMaxTransactions
	}
	if opts.Actions.Timeout <= 0 {
		opts.Actions.Timeout = DefaultActionTimeout
	}
	if log == nil {
		log = zap.NewNop()
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics(prometheus.NewRegistry())
	}
	opts.Store = timedStore{Store: opts.Store, m: opts.Metrics}
	s := &Server{opts: opts, log: log, echo: echo.New(), validate: newValidator(),
		replays: signing.NewReplays(0), failures: newFailureLog(), verifiedFailures: newFailureLog()}
	if err := s.SetAuth(Auth{Verifier: opts.Verifier, Basic: opts.Basic}); err != nil {
		return nil, err
	}
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.echo.HTTPErrorHandler = s.handleError
	s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		// Ask the client to reconnect (elsewhere) after this answer, so that no request is sent
		// on a connection the shutdown is about to close.
		w.Header().Set("Connection", "close")
	}
	s.echo.ServeHTTP(w, r)
}

// Drain starts a graceful shutdown: every answer from now on closes its connection. Call it a
// moment before http.Server.Shutdown, which would otherwise close idle keep-alive connections
// that a client may be sending its next request on.
func (s *Server) Drain() { s.draining.Store(true) }

// Draining reports whether Drain was called; readiness checks fail from then on.
func (s *Server) Draining() bool { return s.draining.Load() }

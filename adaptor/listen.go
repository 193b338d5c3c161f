package adaptor

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Connection bounds of the lookup listener, besides server.request_timeout. Each state a
// connection can be in has its own time limit, so that no client holds one for long without
// sending a request Gladly's key signed:
//
//   - a new connection must deliver its first request's headers within headerTimeout (this is
//     also how long it may stay silent);
//   - a body must arrive within server.request_timeout (Server sets that deadline per request);
//   - a connection whose request was refused before it was verified is closed at once
//     (Connection: close; over HTTP/2 a graceful GOAWAY that lets other streams finish);
//   - a connection idles between verified requests for at most server.idle_timeout.
const (
	// DefaultMaxConnections is server.max_connections' default: high enough that holding every
	// slot takes thousands of connections, each of which the limits above close within
	// seconds unless it carries signed requests; low enough that open connections cost at most
	// about 100 MiB and file descriptors do not run out.
	DefaultMaxConnections = 4096
	// DefaultIdleTimeout is server.idle_timeout's default.
	DefaultIdleTimeout = time.Minute
	// headerTimeout bounds the wait for a request's headers, and a new connection's silence.
	headerTimeout = 5 * time.Second
	// writeGrace is how long after the request's deadline the answer may take to be written.
	writeGrace = 2 * time.Second
	// maxHeaderBytes bounds a request's headers (Go's default, stated).
	maxHeaderBytes = 64 << 10
	// maxStreams bounds the concurrent HTTP/2 streams of one connection.
	maxStreams = 32
	// maxConnReceiveBuffer bounds the request bytes an HTTP/2 connection may send ahead of the
	// handlers reading them: the protocol's initial window, the least it allows.
	maxConnReceiveBuffer = 64 << 10
	// maxStreamReceiveBuffer bounds the same for one stream.
	maxStreamReceiveBuffer = 16 << 10
)

// Limits are the time and size bounds of a listener's HTTP server. Zero values take the
// defaults.
type Limits struct {
	// RequestTimeout bounds reading one request's body and answering it (server.request_timeout).
	RequestTimeout time.Duration
	// IdleTimeout bounds the wait between verified requests on a keep-alive connection
	// (server.idle_timeout).
	IdleTimeout time.Duration
}

// NewHTTPServer returns an http.Server for h with the bounds of l: headers within a few
// seconds of the connection or of the previous answer; the body and the answer within
// RequestTimeout (Server sets that deadline per request) and the answer written within
// writeGrace after — an answer that misses that is recorded as undelivered; IdleTimeout between
// requests; at most maxStreams concurrent HTTP/2 streams, each able to send only a small
// window of its body ahead of the handler. Requests carry their connection's state, which
// Server uses to close a connection that sent no verified request and to bound the body bytes
// of requests not yet verified.
func NewHTTPServer(h http.Handler, l Limits) *http.Server {
	if l.RequestTimeout <= 0 {
		l.RequestTimeout = DefaultRequestTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(headerTimeout, l.RequestTimeout),
		ReadTimeout:       2 * l.RequestTimeout, // headers, then the body: a backstop for routes that read no body
		WriteTimeout:      l.RequestTimeout + writeGrace,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams:          maxStreams,
			MaxReceiveBufferPerConnection: maxConnReceiveBuffer,
			MaxReceiveBufferPerStream:     maxStreamReceiveBuffer,
		},
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, new(connState))
		},
	}
}

// connKey is the context key of a request's connState.
type connKey struct{}

// connState is what a connection's requests share: whether one of them was verified, and the
// body bytes its unverified requests hold.
type connState struct {
	unverified atomic.Int64
}

// connOf returns the state of r's connection, or nil when r did not come through NewHTTPServer
// (a test's recorder): each request then counts as a connection of its own.
func connOf(r *http.Request) *connState {
	cs, _ := r.Context().Value(connKey{}).(*connState)
	return cs
}

// Listen listens on addr and keeps at most maxConns connections open at once
// (server.max_connections; 0 means DefaultMaxConnections): past that, a new connection waits
// in the kernel's backlog until one closes, so that clients cannot exhaust file descriptors.
// m, when not nil, counts open connections and the times the cap was reached, for name (the
// listener's name in the metrics).
func Listen(addr string, maxConns int, m *Metrics, name string) (net.Listener, error) {
	if maxConns <= 0 {
		maxConns = DefaultMaxConnections
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	l := &limitListener{Listener: ln, slots: make(chan struct{}, maxConns), done: make(chan struct{})}
	if m != nil {
		l.open = m.connsOpen.WithLabelValues(name)
		l.saturated = m.connsSaturated.WithLabelValues(name)
		m.connsMax.WithLabelValues(name).Set(float64(maxConns))
	}
	return l, nil
}

// limitListener is a net.Listener that serves at most cap(slots) connections at once.
type limitListener struct {
	net.Listener
	slots     chan struct{}
	open      prometheus.Gauge   // nil: not recorded
	saturated prometheus.Counter // nil: not recorded
	closeOnce sync.Once
	done      chan struct{} // closed by Close, so that an Accept waiting for a slot returns
}

// Accept waits for a free slot, counting the wait when there is none, then for a connection.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	default:
		if l.saturated != nil {
			l.saturated.Inc()
		}
		select {
		case l.slots <- struct{}{}:
		case <-l.done:
			return nil, net.ErrClosed
		}
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	if l.open != nil {
		l.open.Inc()
	}
	return &limitedConn{Conn: c, release: l.release}, nil
}

// Close stops accepting; connections already accepted stay open.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

func (l *limitListener) release() {
	if l.open != nil {
		l.open.Dec()
	}
	<-l.slots
}

// limitedConn gives its slot back when it is closed, once.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

package adaptor

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Connection bounds the lookup listener keeps besides server.request_timeout.
const (
	// DefaultMaxConnections is server.max_connections' default: far more than the 2-core
	// machine needs to saturate itself (64 busy keep-alive connections do), and few enough that
	// open connections cost at most a few tens of MiB and file descriptors never run out.
	DefaultMaxConnections = 512
	// writeGrace is how long after the request's deadline the answer may take to be written.
	writeGrace = 2 * time.Second
	// idleTimeout closes a keep-alive connection that sends no request for this long.
	idleTimeout = time.Minute
	// maxHeaderBytes bounds a request's headers (Go's default, stated).
	maxHeaderBytes = 64 << 10
)

// NewHTTPServer returns an http.Server for h whose timeouts agree with requestTimeout: the
// headers must arrive within it; the body and the store's answer within it again from then
// (Server sets that deadline per request); and the answer must be written within writeGrace
// after. An answer that misses that is recorded as undelivered. Idle keep-alive connections
// close after a minute. A requestTimeout of 0 means New's default.
func NewHTTPServer(h http.Handler, requestTimeout time.Duration) *http.Server {
	if requestTimeout <= 0 {
		requestTimeout = DefaultRequestTimeout
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: requestTimeout,
		ReadTimeout:       2 * requestTimeout, // headers, then the body: a backstop for routes that read no body
		WriteTimeout:      requestTimeout + writeGrace,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// Listen listens on addr and accepts at most maxConns connections at once
// (server.max_connections; 0 means DefaultMaxConnections): past that, new connections wait in
// the kernel's backlog until one closes, so idle or slow clients cannot exhaust file
// descriptors.
func Listen(addr string, maxConns int) (net.Listener, error) {
	if maxConns <= 0 {
		maxConns = DefaultMaxConnections
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	return netutil.LimitListener(ln, maxConns), nil
}

package adaptor

import (
	"bytes"
	"errors"
	"io"
	"sync/atomic"

	"github.com/labstack/echo/v4"
)

// The body bytes held by requests whose signature is not verified yet are bounded in total, so
// that many clients trickling large bodies with junk signatures cannot exhaust memory. Each
// connection may hold connBodyAllowance bytes of its own (more than a lookup needs: Gladly's
// requests are a few KB, so they never wait on the shared budget); past that, a request draws
// on unverifiedBodyBudget, shared by every connection, and gets 503 when it is spent.
const (
	connBodyAllowance    = 16 << 10
	unverifiedBodyBudget = 16 << 20
	// firstBodyRead is the buffer a body of unknown or large length starts with; it doubles as
	// bytes arrive, so that what a body costs follows what was sent, not what Content-Length
	// announced.
	firstBodyRead = 4 << 10
)

// errBodyBudget is the cause of a 503 for a spent unverified-body budget.
var errBodyBudget = errors.New("adaptor: the body bytes of requests not yet verified reached their budget")

// bodyKey is where readBody leaves the raw body in the echo context.
const bodyKey = "adaptor.body"

// requestBody returns the raw body readBody stored.
func requestBody(c echo.Context) []byte {
	b, _ := c.Get(bodyKey).([]byte)
	return b
}

// bodyHold is what one request's body holds of its connection's allowance and of the shared
// budget, until it is released (verified, or answered).
type bodyHold struct {
	conn     *connState
	budget   *atomic.Int64
	fromConn int64
	shared   int64
}

// take accounts n more bytes held, first against the connection's allowance, then against the
// shared budget; false when both are spent.
func (h *bodyHold) take(n int64) bool {
	if free := connBodyAllowance - h.conn.unverified.Load(); free > 0 {
		own := min(n, free)
		h.conn.unverified.Add(own)
		h.fromConn += own
		n -= own
	}
	if n == 0 {
		return true
	}
	if h.budget.Add(n) > unverifiedBodyBudget {
		h.budget.Add(-n)
		return false
	}
	h.shared += n
	return true
}

// release gives back everything held; it may be called more than once.
func (h *bodyHold) release() {
	h.conn.unverified.Add(-h.fromConn)
	h.budget.Add(-h.shared)
	h.fromConn, h.shared = 0, 0
}

// holdKey is where readBody leaves the request's bodyHold, for verifySignature to release.
const holdKey = "adaptor.bodyHold"

// readBody reads the whole body once, bounded by MaxBodyBytes, so that the signature covers
// exactly the bytes the decoder later sees. Memory follows the bytes that arrive (a body of
// Content-Length n is read into one buffer of n bytes when it is small, and grows by doubling
// otherwise, as a chunked body does), and is accounted as unverified until verifySignature
// passes or the request is answered.
func (s *Server) readBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > s.opts.MaxBodyBytes {
			return &Error{Kind: KindTooLarge}
		}
		conn := connOf(r)
		if conn == nil {
			conn = new(connState)
		}
		hold := &bodyHold{conn: conn, budget: &s.unverifiedBytes}
		defer hold.release()
		c.Set(holdKey, hold)
		body, err := readAtMost(r.Body, s.opts.MaxBodyBytes, r.ContentLength, hold.take)
		switch {
		case errors.Is(err, errBodyBudget):
			s.opts.Metrics.busy.Inc()
			return &Error{Kind: KindBusy, Cause: err}
		case err != nil:
			return &Error{Kind: KindInvalid, Detail: "the request body could not be read", Cause: err}
		case int64(len(body)) > s.opts.MaxBodyBytes:
			return &Error{Kind: KindTooLarge}
		}
		c.Set(bodyKey, body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		return next(c)
	}
}

// releaseBody ends the unverified accounting of the request's body: called once it is verified.
func releaseBody(c echo.Context) {
	if h, ok := c.Get(holdKey).(*bodyHold); ok {
		h.release()
	}
}

// readAtMost reads r to its end, or to one byte past limit (so that the caller sees it is too
// long). size is the announced length, -1 or 0 when unknown: a body that announces at most
// firstBodyRead bytes is read into one buffer of that size (plus a byte to see the end); any
// other starts at firstBodyRead and doubles when full. take accounts every byte of buffer
// before it is allocated, and ends the read with errBodyBudget when it refuses.
func readAtMost(r io.Reader, limit, size int64, take func(int64) bool) ([]byte, error) {
	r = io.LimitReader(r, limit+1)
	first := int64(firstBodyRead)
	if size > 0 && size < first {
		first = size + 1
	}
	if !take(first) {
		return nil, errBodyBudget
	}
	buf := make([]byte, 0, first)
	for {
		if len(buf) == cap(buf) {
			grow := min(int64(cap(buf)), limit+1-int64(cap(buf)))
			if size > 0 {
				grow = min(grow, max(size+1-int64(cap(buf)), 1))
			}
			grow = max(grow, 1)
			if !take(grow) {
				return nil, errBodyBudget
			}
			buf = append(make([]byte, 0, int64(cap(buf))+grow), buf...)
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

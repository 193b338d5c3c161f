package adaptor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
)

// bodyKey is where readBody leaves the raw body in the echo context.
const bodyKey = "adaptor.body"

// requestBody returns the raw body readBody stored.
func requestBody(c echo.Context) []byte {
	b, _ := c.Get(bodyKey).([]byte)
	return b
}

// withDeadline gives the request server.request_timeout from now to arrive in full and be
// resolved: the connection's read deadline bounds the body, and the request's context, which
// the store honours, carries the same deadline. NewHTTPServer's write timeout leaves room to
// write the answer after it.
func (s *Server) withDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		deadline := time.Now().Add(s.opts.RequestTimeout)
		// Not every ResponseWriter can set deadlines (a test recorder cannot); the server's
		// own timeouts still hold then.
		_ = http.NewResponseController(c.Response().Writer).SetReadDeadline(deadline)
		ctx, cancel := context.WithDeadline(c.Request().Context(), deadline)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// readBody reads the whole body once, bounded by MaxBodyBytes, so that the signature covers
// exactly the bytes the decoder later sees. Memory is what the body needs, sized from
// Content-Length when the client sends one.
func (s *Server) readBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > s.opts.MaxBodyBytes {
			return &Error{Kind: KindTooLarge}
		}
		body, err := readAtMost(r.Body, s.opts.MaxBodyBytes, r.ContentLength)
		if err != nil {
			return &Error{Kind: KindInvalid, Detail: "the request body could not be read", Cause: err}
		}
		if int64(len(body)) > s.opts.MaxBodyBytes {
			return &Error{Kind: KindTooLarge}
		}
		c.Set(bodyKey, body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		return next(c)
	}
}

// readAtMost reads r to its end, or to one byte past limit (so that the caller sees it is too
// long). size is the expected length, -1 or 0 when unknown: with it, the one buffer is exactly
// that large (plus a byte to see the end); without, it grows as bytes arrive.
func readAtMost(r io.Reader, limit, size int64) ([]byte, error) {
	r = io.LimitReader(r, limit+1)
	buf := make([]byte, 0, max(size+1, bytes.MinRead))
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
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

// requireJSON answers 415 unless the body is declared as application/json.
func requireJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
		if err != nil || mt != echo.MIMEApplicationJSON {
			return &Error{Kind: KindUnsupportedMediaType}
		}
		return next(c)
	}
}

// methodNotAllowed answers a method the path does not serve (OPTIONS among them) with 405.
func methodNotAllowed(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderAllow, http.MethodPost)
	return &Error{Kind: KindMethodNotAllowed}
}

// recoverPanic turns a panic in a handler into a 500; the panic and its stack go to the log only.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic in handler", zap.String("panic", truncate(fmt.Sprint(p), maxLoggedError)), zap.Stack("stack"))
				err = &Error{Kind: KindInternal, Cause: fmt.Errorf("panic: %v", p)}
			}
		}()
		return next(c)
	}
}

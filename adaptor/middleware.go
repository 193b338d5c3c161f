package adaptor

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
)

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

// methodNotAllowed answers a method the path does not serve (OPTIONS among them) with 405,
// naming the one it does.
func methodNotAllowed(allow string) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderAllow, allow)
		return &Error{Kind: KindMethodNotAllowed}
	}
}

// recoverPanic turns a panic in a handler into a 500; the panic and its stack go to the log only.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic in handler", zap.String("panic", text.Truncate(fmt.Sprint(p), maxLoggedError)), zap.Stack("stack"))
				err = &Error{Kind: KindInternal, Cause: fmt.Errorf("panic: %v", p)}
			}
		}()
		return next(c)
	}
}

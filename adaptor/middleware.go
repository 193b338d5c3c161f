package adaptor

import (
	"bytes"
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

// readBody reads the whole body once, bounded by MaxBodyBytes, so that the signature covers
// exactly the bytes the decoder later sees.
func (s *Server) readBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > s.opts.MaxBodyBytes {
			return &Error{Kind: KindTooLarge}
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, s.opts.MaxBodyBytes+1))
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

// recoverPanic turns a panic in a handler into a 500; the panic and its stack go to the log only.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic in handler", zap.String("panic", fmt.Sprint(p)), zap.Stack("stack"))
				err = &Error{Kind: KindInternal, Cause: fmt.Errorf("panic: %v", p)}
			}
		}()
		return next(c)
	}
}

// maxLoggedID bounds client-chosen ids in the log.
const maxLoggedID = 64

// requestLog writes one line per request: method, path, status, latency and Gladly's ids —
// never the body, keys or credentials. It answers any error itself so the status is final.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status, elapsed := c.Response().Status, time.Since(start)
		kind, _ := c.Get(lookupKindKey).(LookupKind)
		s.opts.Metrics.observeRequest(kind, status, elapsed)
		level := zap.InfoLevel
		if status >= http.StatusInternalServerError {
			level = zap.ErrorLevel
		}
		// The fields, the masked query among them, are built only when the line is written.
		if ce := s.log.Check(level, "request"); ce != nil {
			ce.Write(requestFields(c, status, elapsed, kind, err)...)
		}
		return nil
	}
}

// requestFields are the request log line's fields.
func requestFields(c echo.Context, status int, elapsed time.Duration, kind LookupKind, err error) []zap.Field {
	req := c.Request()
	fields := []zap.Field{
		zap.String("method", req.Method),
		zap.String("path", truncate(req.URL.Path, 256)),
		zap.Int("status", status),
		zap.Duration("latency", elapsed),
		zap.String("correlation_id", truncate(req.Header.Get("Gladly-Correlation-Id"), maxLoggedID)),
		zap.String("trace_id", truncate(req.Header.Get("X-B3-Traceid"), maxLoggedID)),
	}
	if kind != "" {
		fields = append(fields, zap.String("kind", string(kind)))
	}
	if q, ok := c.Get(lookupQueryKey).(map[string]any); ok {
		fields = append(fields, zap.Strings("query", maskedQuery(q)))
	}
	if n, ok := c.Get(lookupCountKey).(int); ok {
		fields = append(fields, zap.Int("results", n))
	}
	if err != nil {
		fields = append(fields, zap.String("error", err.Error()))
	}
	return fields
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

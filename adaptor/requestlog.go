package adaptor

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/time/rate"

	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
)

// Bounds on what one log line holds: every value in it that a client chooses is cut to these.
const (
	maxLoggedID    = 64  // correlation and trace ids, external ids, field names
	maxLoggedPath  = 256 // the request path
	maxLoggedError = 512 // the error text
)

// Failed requests and undelivered answers are logged at most failureLogRate a second (bursts of
// failureLogBurst), so that a flood of bad requests cannot grow the log without bound; the lines
// left out are counted in lookup_adaptor_log_lines_dropped_total and in the next line written.
// Verified requests — Gladly's — have a budget of their own, so that a flood of unauthenticated
// junk cannot hide their failures.
const (
	failureLogRate  = 20
	failureLogBurst = 100
)

// failureLog decides which failed requests get a log line.
type failureLog struct {
	limit   *rate.Limiter
	dropped atomic.Int64 // since the last line written
}

func newFailureLog() *failureLog {
	return &failureLog{limit: rate.NewLimiter(failureLogRate, failureLogBurst)}
}

// allow reports whether a failure at now gets a line, and how many were dropped before it.
func (f *failureLog) allow(now time.Time) (ok bool, droppedBefore int64) {
	if !f.limit.AllowN(now, 1) {
		f.dropped.Add(1)
		return false, 0
	}
	return true, f.dropped.Swap(0)
}

// requestLog answers any error itself so the status is final, makes sure the answer reached the
// client, then records the request: one log line (method, path, status, latency and Gladly's
// ids — never the body, keys or credentials) and its metrics. An answer the client did not
// receive (it went away, or the write deadline passed) is recorded as undelivered, never as
// the status it would have had.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start, clientCtx := time.Now(), c.Request().Context()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		delivered := deliver(clientCtx, c.Response().Writer)
		trusted := verified(c)
		if !trusted {
			// The answer is out and says Connection: close. Whatever body the client still
			// owes is not waited for: net/http would read up to 256 KB of it first.
			_ = http.NewResponseController(c.Response().Writer).SetReadDeadline(time.Now())
		}
		status, elapsed := c.Response().Status, time.Since(start)
		kind, _ := c.Get(lookupKindKey).(LookupKind)
		// The masked query, shared by the observer and the log line, is built at most once
		// and only if one of them is written.
		var query []string
		masked := false
		loggedQuery := func() []string {
			if !masked {
				if q, ok := c.Get(lookupQueryKey).(rawObject); ok {
					query = MaskedQuery(q)
				}
				masked = true
			}
			return query
		}
		if s.opts.Observer != nil {
			s.opts.Observer.Observe(seen(c, status, delivered, trusted, elapsed, kind, loggedQuery(), err))
		}
		msg, level := "request", zap.InfoLevel
		var fields []zap.Field
		switch {
		case !delivered:
			s.opts.Metrics.observeUndelivered(kind)
			msg, level = "answer not delivered", zap.WarnLevel
			fields = append(fields, zap.Int("intended_status", status))
			status = 0 // the line says what was meant, never a status the client did not get
		default:
			s.opts.Metrics.observeRequest(kind, status, elapsed)
			if status >= http.StatusInternalServerError {
				level = zap.ErrorLevel
			}
		}
		if !delivered || status >= http.StatusBadRequest {
			budget := s.failures
			if trusted {
				budget = s.verifiedFailures
			}
			ok, dropped := budget.allow(s.opts.Now())
			if !ok {
				s.opts.Metrics.logDropped.WithLabelValues(strconv.FormatBool(trusted)).Inc()
				return nil
			}
			if dropped > 0 {
				fields = append(fields, zap.Int64("lines_dropped_before", dropped))
			}
		}
		// The fields, the masked query among them, are built only when the line is written.
		if ce := s.log.Check(level, msg); ce != nil {
			ce.Write(append(requestFields(c, status, elapsed, kind, loggedQuery(), err), fields...)...)
		}
		return nil
	}
}

// deliver pushes the answer to the client now and reports whether it got there: the client had
// not gone away (net/http cancels clientCtx when the connection closes) and every byte was
// written before the write deadline. w is net/http's writer, not echo's, whose Flush drops the
// error.
func deliver(clientCtx context.Context, w http.ResponseWriter) bool {
	if errors.Is(clientCtx.Err(), context.Canceled) {
		return false
	}
	return http.NewResponseController(w).Flush() == nil
}

// requestFields are the request log line's fields; query is the masked query (nil when the
// request had none), status 0 when no answer was delivered.
func requestFields(c echo.Context, status int, elapsed time.Duration, kind LookupKind, query []string, err error) []zapcore.Field {
	req := c.Request()
	fields := []zap.Field{
		zap.String("method", text.Truncate(req.Method, maxLoggedID)),
		zap.String("path", text.Truncate(req.URL.Path, maxLoggedPath)),
		zap.Duration("latency", elapsed),
		zap.String("correlation_id", text.Truncate(req.Header.Get("Gladly-Correlation-Id"), maxLoggedID)),
		zap.String("trace_id", text.Truncate(req.Header.Get("X-B3-Traceid"), maxLoggedID)),
	}
	if status != 0 {
		fields = append(fields, zap.Int("status", status))
	}
	if kind != "" {
		fields = append(fields, zap.String("kind", string(kind)))
	}
	if id, ok := c.Get(actionIDKey).(string); ok {
		fields = append(fields, zap.String("action", id))
	}
	if query != nil {
		fields = append(fields, zap.Strings("query", query))
	}
	if n, ok := c.Get(lookupCountKey).(int); ok {
		fields = append(fields, zap.Int("results", n))
	}
	if err != nil {
		fields = append(fields, zap.String("error", text.Truncate(err.Error(), maxLoggedError)))
	}
	return fields
}

package adaptor

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
)

// Kind is the class of a failed request; it alone decides the HTTP status and the code in the
// answer (docs/protocol.md, Errors).
type Kind int

// The kinds of failure, one per row of docs/protocol.md, Errors.
const (
	KindInternal Kind = iota
	KindUnauthorized
	KindInvalid
	KindTooLarge
	KindUnsupportedMediaType
	KindMethodNotAllowed
	KindNotFound
	KindUnavailable
	KindTimeout
	KindNotAcceptable
	KindBusy
)

// errorTable is the one place where a failure becomes an HTTP status. Detail is the text sent
// when the error has none of its own; for KindUnauthorized it is always the text sent, so the
// answer never says which check failed.
var errorTable = map[Kind]struct {
	status int
	code   string
	detail string
}{
	KindInternal:             {http.StatusInternalServerError, "internal", "internal error"},
	KindUnauthorized:         {http.StatusUnauthorized, "unauthorized", "the request is not signed or authenticated as this adaptor requires"},
	KindInvalid:              {http.StatusBadRequest, "invalid", "invalid request"},
	KindTooLarge:             {http.StatusRequestEntityTooLarge, "too_large", "request body too large"},
	KindUnsupportedMediaType: {http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json"},
	KindMethodNotAllowed:     {http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed"},
	KindNotFound:             {http.StatusNotFound, "not_found", "not found"},
	KindUnavailable:          {http.StatusServiceUnavailable, "unavailable", "the customer store is unavailable"},
	KindTimeout:              {http.StatusGatewayTimeout, "timeout", "the customer store did not answer in time"},
	KindNotAcceptable:        {http.StatusNotAcceptable, "not_acceptable", "the action could not be carried out"},
	KindBusy:                 {http.StatusServiceUnavailable, "busy", "the server is busy; retry in a moment"},
}

// Error is a failed request: its Kind, the field at fault (Attr) and what is wrong with it
// (Detail) for the client, and the Cause, which only the log sees.
type Error struct {
	Kind   Kind
	Attr   string
	Detail string
	Cause  error
}

func (e *Error) Error() string {
	msg := errorTable[e.Kind].code
	if e.Attr != "" {
		msg += " " + e.Attr
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Cause }

// invalid is a 400 naming the field at fault.
func invalid(attr, detail string) *Error {
	return &Error{Kind: KindInvalid, Attr: attr, Detail: detail}
}

// errorItem is one entry of the errors body (docs/protocol.md, Errors).
type errorItem struct {
	Attr   string `json:"attr,omitempty"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

type errorBody struct {
	Errors []errorItem `json:"errors"`
}

// asError turns any error reaching the top of the chain into an *Error. The middleware and the
// lookup return *Error themselves (storeFailure classifies store errors); echo's router adds
// only 404 and 405; anything else is unexpected.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return &Error{Kind: KindNotFound, Cause: err}
		case http.StatusMethodNotAllowed:
			return &Error{Kind: KindMethodNotAllowed, Cause: err}
		}
	}
	return &Error{Kind: KindInternal, Cause: err}
}

// body renders e as the answer the client sees. Internal failures and failed authentication
// always get the table's fixed text, whatever the cause.
func (e *Error) body() (int, errorBody) {
	row := errorTable[e.Kind]
	detail := row.detail
	if e.Detail != "" && e.Kind != KindUnauthorized && e.Kind != KindInternal {
		detail = e.Detail
	}
	return row.status, errorBody{Errors: []errorItem{{Attr: e.Attr, Code: row.code, Detail: detail}}}
}

// handleError is echo's HTTPErrorHandler: every failure is answered here, and only here.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := asError(err)
	h := c.Response().Header()
	if basic := s.auth.Load().basic; e.Kind == KindUnauthorized && basic.Username != "" {
		h.Set(echo.HeaderWWWAuthenticate, `Basic realm="`+basic.Realm+`"`)
	}
	if e.Kind == KindBusy {
		h.Set(echo.HeaderRetryAfter, "1")
	}
	if !verified(c) {
		// Nothing vouches for this client: it gets no connection to keep. Over HTTP/2 net/http
		// turns this into a graceful GOAWAY, so that streams under way finish.
		h.Set(echo.HeaderConnection, "close")
		s.opts.Metrics.closedEarly.Inc()
	}
	status, body := e.body()
	if err := writeJSON(c, status, body); err != nil {
		s.log.Debug("write error answer", zap.Error(err))
	}
}

// writeJSON marshals v and writes it with Content-Type application/json.
func writeJSON(c echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeBody(c, status, b)
}

// writeBody writes a JSON answer with its Content-Length, so that it goes out in one piece
// when the request log flushes it to learn whether it was delivered.
func writeBody(c echo.Context, status int, body []byte) error {
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	return c.Blob(status, echo.MIMEApplicationJSON, body)
}

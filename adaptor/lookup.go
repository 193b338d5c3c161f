package adaptor

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// LookupKind is which of the three lookups a request is (SPEC §3).
type LookupKind string

// The three lookups.
const (
	LookupAutoLink LookupKind = "auto_link"
	LookupSearch   LookupKind = "basic_search"
	LookupDetailed LookupKind = "detailed"
)

// Context keys the request log reads.
const (
	lookupKindKey  = "adaptor.lookup_kind"
	lookupCountKey = "adaptor.lookup_results"
	lookupQueryKey = "adaptor.lookup_query"
)

// classify decides which lookup a valid request is: DETAILED is a detailed lookup; BASIC with
// an emails or phones array is auto-link; any other BASIC is a basic search.
func classify(req *lookupRequest) LookupKind {
	if req.LookupLevel == LevelDetailed {
		return LookupDetailed
	}
	for _, key := range []string{"emails", "phones"} {
		if _, ok := req.Query[key].([]any); ok {
			return LookupAutoLink
		}
	}
	return LookupSearch
}

// lookup answers a verified lookup: decode, classify, resolve within server.request_timeout,
// and write the SPEC §4 answer.
func (s *Server) lookup(c echo.Context) error {
	req, err := s.decodeRequest(requestBody(c))
	if err != nil {
		return err
	}
	kind := classify(req)
	c.Set(lookupKindKey, kind)
	c.Set(lookupQueryKey, req.Query)

	ctx, cancel := context.WithTimeout(c.Request().Context(), s.opts.RequestTimeout)
	defer cancel()
	var found []store.Customer
	switch kind {
	case LookupAutoLink:
		found, err = s.autoLink(ctx, req.Query)
	case LookupSearch:
		found, err = s.search(ctx, req.Query)
	default:
		found, err = s.detailed(ctx, req.Query)
	}
	if err != nil {
		return storeFailure(ctx, err)
	}
	if req.UniqueMatchRequired && len(found) > 1 {
		s.log.Info("unique match required but several customers matched; answering none",
			zap.String("kind", string(kind)), zap.Int("matches", len(found)))
		found = nil
	}
	c.Set(lookupCountKey, len(found))
	body, err := s.encodeResponse(found, kind == LookupDetailed)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
}

// storeFailure maps a resolver error: a 400 stays a 400; a missed deadline is 504; anything
// else the store said is 503.
func storeFailure(ctx context.Context, err error) error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &Error{Kind: KindTimeout, Cause: err}
	default:
		return &Error{Kind: KindUnavailable, Cause: err}
	}
}

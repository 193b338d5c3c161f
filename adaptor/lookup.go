package adaptor

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// LookupKind is which of the three lookups a request is (docs/protocol.md, The three lookups).
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

// lookup answers a verified lookup: decode it into its store query, resolve it within the
// request's deadline, and write the answer (docs/protocol.md, The answer).
func (s *Server) lookup(c echo.Context) error {
	l, err := s.decodeLookup(requestBody(c))
	if err != nil {
		return err
	}
	c.Set(lookupKindKey, l.kind)
	c.Set(lookupQueryKey, l.query)

	ctx := c.Request().Context()
	found, err := s.resolve(ctx, l)
	if err != nil {
		return storeFailure(ctx, err)
	}
	if l.unique && len(found) > 1 {
		s.log.Info("unique match required but several customers matched; answering none",
			zap.String("kind", string(l.kind)), zap.Int("matches", len(found)))
		found = nil
	}
	c.Set(lookupCountKey, len(found))
	buf := answerBuffers.Get().(*[]byte)
	body, err := s.encodeResponse(*buf, found, l.kind == LookupDetailed)
	if err == nil {
		err = writeBody(c, http.StatusOK, body)
	}
	if cap(body) <= maxPooledAnswer {
		*buf = body
		answerBuffers.Put(buf)
	}
	return err
}

// resolve asks the store the lookup's one question. Any error is the store's.
func (s *Server) resolve(ctx context.Context, l *lookup) ([]store.Customer, error) {
	if l.none {
		return nil, nil
	}
	switch l.kind {
	case LookupAutoLink:
		return s.opts.Store.Link(ctx, l.link)
	case LookupSearch:
		return s.opts.Store.Search(ctx, l.search)
	}
	c, err := s.opts.Store.Customer(ctx, l.id, s.opts.MaxTransactions)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []store.Customer{c}, nil
}

// storeFailure maps a store error: a missed deadline is 504; anything else the store said is
// 503.
func storeFailure(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Kind: KindTimeout, Cause: err}
	}
	return &Error{Kind: KindUnavailable, Cause: err}
}

package adaptor

import (
	"context"
	"errors"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// detailed answers a detailed lookup: the one customer Gladly linked, with its transactions.
// The profile's custom attributes may come flat or under customAttributes; only
// externalCustomerId is needed. An unknown id finds nobody.
func (s *Server) detailed(ctx context.Context, query map[string]any) ([]store.Customer, error) {
	id, err := queryText(query, "externalCustomerId")
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, invalid("query.externalCustomerId", "is required for a DETAILED lookup")
	}
	c, err := s.opts.Store.Customer(ctx, id, s.opts.MaxTransactions)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []store.Customer{c}, nil
}

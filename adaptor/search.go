package adaptor

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// nameKeys are the search attributes matched against the customer's name.
var nameKeys = []string{"name", "firstName", "lastName"}

// maxSearchFields bounds the fields one search may combine; each becomes a condition the store
// checks, and Gladly's admins configure a handful.
const maxSearchFields = 32

// search answers a basic search: every non-empty field the agent filled must match. Gladly's
// own id is not a search field; a search with no usable field finds nobody.
func (s *Server) search(ctx context.Context, query map[string]any) ([]store.Customer, error) {
	q := store.Search{Limit: s.opts.MaxResults}
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > maxSearchFields+1 { // +1: Gladly's own id
		return nil, invalid("query", fmt.Sprintf("a search combines at most %d fields", maxSearchFields))
	}
	for _, key := range keys {
		if key == "id" {
			continue
		}
		value, err := queryText(query, key)
		if err != nil {
			return nil, err
		}
		if value == "" {
			continue
		}
		switch {
		case key == "email":
			q.Email = store.NormalizeEmail(value)
		case key == "phone":
			e164, ok := s.opts.Normalizer.Phone(value)
			if !ok {
				return nil, nil // not a phone number: no customer can match it
			}
			q.Phone = e164
		case key == "externalCustomerId":
			q.ExternalID = value
		case slices.Contains(nameKeys, key):
			q.NameWords = append(q.NameWords, store.NameWords(value)...)
		case slices.Contains(transactions.IdentifierFields, key):
			q.Identifiers = setKey(q.Identifiers, key, value)
		default:
			q.Attributes = setKey(q.Attributes, key, value)
		}
	}
	if q.IsEmpty() {
		return nil, nil
	}
	return s.opts.Store.Search(ctx, q)
}

func setKey(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// Package memory is a Store kept in memory: for tests, examples, and as the smallest worked
// sample of a backend. It scans every customer on each query, which is fine for thousands of
// customers and not meant for millions.
package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// Compile-time checks that Store provides the contract and its optional abilities.
var (
	_ store.Store    = (*Store)(nil)
	_ store.Loader   = (*Store)(nil)
	_ store.Pinger   = (*Store)(nil)
	_ store.Exporter = (*Store)(nil)
)

// entry is a customer with the keys it is found by.
type entry struct {
	customer    store.Customer
	keys        store.Keys
	fingerprint string
}

// Store holds customers in memory. It is safe for concurrent use: readers take the current
// map without locking, and Load builds a new map and swaps it in whole, so no reader ever sees
// a half-applied load.
type Store struct {
	norm   *store.Normalizer
	loadMu sync.Mutex // one Load at a time
	byID   atomic.Pointer[map[string]*entry]
}

// New returns an empty Store that normalises phones with norm.
func New(norm *store.Normalizer) *Store {
	s := &Store{norm: norm}
	s.byID.Store(&map[string]*entry{})
	return s
}

// snapshot returns the current customers; the map must not be modified.
func (s *Store) snapshot(ctx context.Context) (map[string]*entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: %w", err)
	}
	return *s.byID.Load(), nil
}

// Ping always succeeds while ctx is live.
func (s *Store) Ping(ctx context.Context) error { _, err := s.snapshot(ctx); return err }

// Link implements store.Store.
func (s *Store) Link(ctx context.Context, q store.Link) ([]store.Customer, error) {
	m, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	type hit struct {
		e    *entry
		both bool
	}
	var hits []hit
	for _, e := range m {
		if email, phone := e.keys.Links(q); email || phone {
			hits = append(hits, hit{e, email && phone})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.both != b.both {
			if a.both {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.e.customer.ExternalID, b.e.customer.ExternalID)
	})
	hits = hits[:min(len(hits), q.Limit)]
	out := make([]store.Customer, 0, len(hits))
	for _, h := range hits {
		out = append(out, withoutTransactions(h.e.customer))
	}
	return out, nil
}

// Search implements store.Store.
func (s *Store) Search(ctx context.Context, q store.Search) ([]store.Customer, error) {
	m, err := s.snapshot(ctx)
	if err != nil || q.IsEmpty() {
		return nil, err
	}
	var found []store.Customer
	for _, e := range m {
		if e.keys.Matches(e.customer.ExternalID, q) {
			found = append(found, withoutTransactions(e.customer))
		}
	}
	slices.SortFunc(found, func(a, b store.Customer) int { return cmp.Compare(a.ExternalID, b.ExternalID) })
	return found[:min(len(found), q.Limit)], nil
}

// Customer implements store.Store.
func (s *Store) Customer(ctx context.Context, externalID string, maxTransactions int) (store.Customer, error) {
	m, err := s.snapshot(ctx)
	if err != nil {
		return store.Customer{}, err
	}
	e, ok := m[externalID]
	if !ok {
		return store.Customer{}, fmt.Errorf("memory: %w", store.ErrNotFound)
	}
	c := e.customer
	c.Transactions = transactions.Newest(slices.Clone(c.Transactions), maxTransactions)
	return c, nil
}

// Load implements store.Loader: the new customers replace the old map only if every record
// was good.
func (s *Store) Load(ctx context.Context, records store.Records, opts store.LoadOptions) (store.LoadStats, error) {
	var stats store.LoadStats
	var errs []error
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	old, err := s.snapshot(ctx)
	if err != nil {
		return stats, err
	}
	next := maps.Clone(old)
	seen := make(map[string]string) // external id → place of the record naming it
	for r, err := range records {
		if err == nil {
			if first, dup := seen[r.Customer.ExternalID]; dup {
				err = store.DuplicateError(r, first)
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		stats.Read++
		id := r.Customer.ExternalID
		seen[id] = r.Place
		prev, stored := next[id]
		if r.Deleted {
			if stored {
				delete(next, id)
				stats.Deleted++
			} else {
				stats.Tombstone(id)
			}
			continue
		}
		e := &entry{customer: r.Customer}
		e.keys = s.norm.Keys(&e.customer)
		e.fingerprint = store.Fingerprint(&e.customer)
		switch {
		case !stored:
			stats.Added++
		case prev.fingerprint == e.fingerprint:
			stats.Unchanged++
			continue
		default:
			stats.Changed++
		}
		next[id] = e
	}
	if len(errs) > 0 {
		return store.LoadStats{}, errors.Join(errs...)
	}
	if opts.Replace {
		gone := 0
		for id := range next {
			if _, named := seen[id]; !named {
				delete(next, id)
				gone++
			}
		}
		if err := opts.MaxDelete.Check(gone, len(old)); err != nil {
			return store.LoadStats{}, err
		}
		stats.Deleted += gone
	}
	if err := ctx.Err(); err != nil {
		return store.LoadStats{}, fmt.Errorf("memory: %w", err)
	}
	s.byID.Store(&next)
	return stats, nil
}

// Export implements store.Exporter, from the map current when it is called.
func (s *Store) Export(ctx context.Context) iter.Seq2[store.Customer, error] {
	return func(yield func(store.Customer, error) bool) {
		m, err := s.snapshot(ctx)
		if err != nil {
			yield(store.Customer{}, err)
			return
		}
		for _, id := range slices.Sorted(maps.Keys(m)) {
			c := m[id].customer
			c.Transactions = transactions.Newest(slices.Clone(c.Transactions), -1)
			if !yield(c, nil) {
				return
			}
		}
	}
}

func withoutTransactions(c store.Customer) store.Customer {
	c.Transactions = nil
	return c
}

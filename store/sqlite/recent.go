package sqlite

import (
	"container/list"
	"sync"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// Gladly asks for the same customer's details several times in a row: when an agent opens the
// customer, and again on every refresh of the profile. recent keeps the customers of the latest
// detailed lookups, each with the store's version it was read at (the store_version row, which
// every load that changes anything increases in its own transaction). A lookup that finds its
// customer here reads only the version, and answers from here when the version has not moved
// since: any load, by this process or another, makes every entry stale at once, so an answer
// is never older than the store was when the lookup began.
//
// It holds few customers: enough for the visits one replica serves at once, and far fewer than
// the customers a store holds, so that lookups spread over the store never find what they ask
// for here and measure the store itself.
const (
	recentCustomers = 128      // customers kept
	recentMaxBytes  = 64 << 10 // a customer whose columns are larger is not kept
)

// recentKey is what a detailed lookup asks: a customer and how many transactions.
type recentKey struct {
	externalID      string
	maxTransactions int
}

type recentEntry struct {
	key      recentKey
	version  int64
	customer store.Customer
}

// recent is a least-recently-used set of customers; safe for concurrent use. The customers it
// hands out are shared with every lookup that finds them, and nobody changes them.
type recent struct {
	mu    sync.Mutex
	max   int
	byKey map[recentKey]*list.Element
	order *list.List // most recently used first
}

func newRecent(max int) *recent {
	return &recent{max: max, byKey: make(map[recentKey]*list.Element, max), order: list.New()}
}

// get returns the customer kept for k and the version it was read at.
func (r *recent) get(k recentKey) (store.Customer, int64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	el, ok := r.byKey[k]
	if !ok {
		return store.Customer{}, 0, false
	}
	r.order.MoveToFront(el)
	e := el.Value.(*recentEntry)
	return e.customer, e.version, true
}

// put keeps c, read at version, for k, in place of what was kept for k; past max customers the
// least recently used goes.
func (r *recent) put(k recentKey, version int64, c store.Customer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if el, ok := r.byKey[k]; ok {
		e := el.Value.(*recentEntry)
		if version >= e.version {
			e.version, e.customer = version, c
		}
		r.order.MoveToFront(el)
		return
	}
	r.byKey[k] = r.order.PushFront(&recentEntry{key: k, version: version, customer: c})
	if r.order.Len() > r.max {
		oldest := r.order.Back()
		r.order.Remove(oldest)
		delete(r.byKey, oldest.Value.(*recentEntry).key)
	}
}

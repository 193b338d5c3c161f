package console

import (
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
)

// Recent keeps the last requests a server answered, for the console, and counts them all. It is
// the server's Observer. Verified requests and the rest are kept in rings of their own, so that
// a flood of refused requests cannot push Gladly's out of the list. It is safe for concurrent
// use.
type Recent struct {
	mu       sync.Mutex
	verified ring
	others   ring
	total    atomic.Int64
	ok       atomic.Int64 // 2xx
	refused  atomic.Int64 // 401
	failed   atomic.Int64 // any other 4xx and 5xx, and undelivered answers
}

// Compile-time check that Recent is an Observer.
var _ adaptor.Observer = (*Recent)(nil)

// NewRecent returns a Recent keeping the last n verified requests and the last n others
// (console.recent).
func NewRecent(n int) (*Recent, error) {
	if n <= 0 {
		return nil, errors.New("console: the recent list needs room for at least one request (console.recent)")
	}
	return &Recent{verified: ring{kept: make([]adaptor.Seen, 0, n)}, others: ring{kept: make([]adaptor.Seen, 0, n)}}, nil
}

// ring keeps the last cap(kept) requests.
type ring struct {
	kept []adaptor.Seen
	next int
}

func (r *ring) add(s adaptor.Seen) {
	if len(r.kept) < cap(r.kept) {
		r.kept = append(r.kept, s)
		return
	}
	r.kept[r.next] = s
	r.next = (r.next + 1) % len(r.kept)
}

// newestFirst appends the kept requests to out, newest first.
func (r *ring) newestFirst(out []adaptor.Seen) []adaptor.Seen {
	for i := range r.kept {
		out = append(out, r.kept[(r.next-1-i+2*len(r.kept))%len(r.kept)])
	}
	return out
}

// Observe implements adaptor.Observer.
func (r *Recent) Observe(s adaptor.Seen) {
	r.total.Add(1)
	switch {
	case !s.Delivered || s.Status >= 400 && s.Status != http.StatusUnauthorized:
		r.failed.Add(1)
	case s.Status == http.StatusUnauthorized:
		r.refused.Add(1)
	default:
		r.ok.Add(1)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s.Verified {
		r.verified.add(s)
	} else {
		r.others.add(s)
	}
}

// list returns the kept requests of both rings, newest first.
func (r *Recent) list() []adaptor.Seen {
	r.mu.Lock()
	out := r.verified.newestFirst(make([]adaptor.Seen, 0, len(r.verified.kept)+len(r.others.kept)))
	out = r.others.newestFirst(out)
	r.mu.Unlock()
	slices.SortStableFunc(out, func(a, b adaptor.Seen) int { return b.Time.Compare(a.Time) })
	return out
}

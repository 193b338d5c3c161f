package adaptor

import (
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// Seen is one request as the console shows it: no value beyond masked ones, and for a refusal
// the reason the 401 body does not give.
type Seen struct {
	Time          time.Time
	Method, Path  string
	Kind          LookupKind
	Status        int
	Delivered     bool
	Verified      bool // it passed every check of who sent it
	Latency       time.Duration
	Results       int // -1 when the request was no lookup answered
	CorrelationID string
	Query         []string // field names, emails and phones masked
	Diagnosis     string   // why it was refused or failed; empty for a success
}

// recent keeps the last requests for the console, oldest first out, and counts them all.
// Verified requests and the rest are kept in rings of their own, so that a flood of refused
// requests cannot push Gladly's out of the list.
type recent struct {
	mu       sync.Mutex
	verified ring
	others   ring
	total    atomic.Int64
	ok       atomic.Int64 // 2xx
	refused  atomic.Int64 // 401
	failed   atomic.Int64 // any other 4xx and 5xx, and undelivered answers
}

func newRecent(n int) *recent {
	return &recent{verified: ring{kept: make([]Seen, 0, n)}, others: ring{kept: make([]Seen, 0, n)}}
}

// ring keeps the last cap(kept) requests.
type ring struct {
	kept []Seen
	next int
}

func (r *ring) add(s Seen) {
	if len(r.kept) < cap(r.kept) {
		r.kept = append(r.kept, s)
		return
	}
	r.kept[r.next] = s
	r.next = (r.next + 1) % len(r.kept)
}

// newestFirst appends the kept requests to out, newest first.
func (r *ring) newestFirst(out []Seen) []Seen {
	for i := range r.kept {
		out = append(out, r.kept[(r.next-1-i+2*len(r.kept))%len(r.kept)])
	}
	return out
}

func (r *recent) add(s Seen) {
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
func (r *recent) list() []Seen {
	r.mu.Lock()
	out := r.verified.newestFirst(make([]Seen, 0, len(r.verified.kept)+len(r.others.kept)))
	out = r.others.newestFirst(out)
	r.mu.Unlock()
	slices.SortStableFunc(out, func(a, b Seen) int { return b.Time.Compare(a.Time) })
	return out
}

// seen is what the console keeps of the request in c; query is its masked query (nil when it had
// none).
func seen(c echo.Context, status int, delivered, verified bool, elapsed time.Duration, kind LookupKind, query []string, err error) Seen {
	req := c.Request()
	s := Seen{
		Time: time.Now(), Method: truncate(req.Method, maxLoggedID), Path: truncate(req.URL.Path, maxLoggedPath),
		Kind: kind, Status: status, Delivered: delivered, Verified: verified, Latency: elapsed, Results: -1,
		CorrelationID: truncate(req.Header.Get("Gladly-Correlation-Id"), maxLoggedID),
		Query:         query,
	}
	if n, ok := c.Get(lookupCountKey).(int); ok {
		s.Results = n
	}
	if err != nil {
		s.Diagnosis = diagnosis(err)
	}
	if !delivered {
		s.Diagnosis = "the answer never reached the client (it went away, or the write deadline passed)"
	}
	return s
}

// diagnosis explains a failure for an integrator: for a refusal, which check failed and how.
func diagnosis(err error) string {
	var skew *signing.SkewError
	switch {
	case errors.As(err, &skew):
		return "Gladly-Time is " + skew.Skew.Round(time.Second).String() + " off the server's clock (positive: in the past), past signing.max_skew — check both clocks"
	case errors.Is(err, signing.ErrMismatch):
		return truncate(err.Error(), maxLoggedError) + " — check the signing key, and signing.path if a proxy rewrites the path"
	}
	return truncate(err.Error(), maxLoggedError)
}

package adaptor

import (
	"errors"
	"net/http"
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
	Latency       time.Duration
	Results       int // -1 when the request was no lookup answered
	CorrelationID string
	Query         []string // field names, emails and phones masked
	Diagnosis     string   // why it was refused or failed; empty for a success
}

// recent keeps the last requests for the console, oldest first out, and counts them all.
type recent struct {
	mu      sync.Mutex
	ring    []Seen
	next    int
	total   atomic.Int64
	ok      atomic.Int64 // 2xx
	refused atomic.Int64 // 401
	failed  atomic.Int64 // any other 4xx and 5xx, and undelivered answers
}

func newRecent(n int) *recent { return &recent{ring: make([]Seen, 0, n)} }

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
	if len(r.ring) < cap(r.ring) {
		r.ring = append(r.ring, s)
		return
	}
	r.ring[r.next] = s
	r.next = (r.next + 1) % len(r.ring)
}

// list returns the kept requests, newest first.
func (r *recent) list() []Seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Seen, 0, len(r.ring))
	for i := range r.ring {
		out = append(out, r.ring[(r.next-1-i+2*len(r.ring))%len(r.ring)])
	}
	return out
}

// seen is what the console keeps of the request in c; query is its masked query (nil when it had
// none).
func seen(c echo.Context, status int, delivered bool, elapsed time.Duration, kind LookupKind, query []string, err error) Seen {
	req := c.Request()
	s := Seen{
		Time: time.Now(), Method: truncate(req.Method, maxLoggedID), Path: truncate(req.URL.Path, maxLoggedPath),
		Kind: kind, Status: status, Delivered: delivered, Latency: elapsed, Results: -1,
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

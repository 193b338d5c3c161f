package adaptor

import (
	"errors"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// Seen is one answered request as an operator may see it: no value beyond masked ones, and for
// a refusal the reason the 401 body does not give.
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
	// Signature names the forms a verified signature matched ("canonical query, header values
	// trimmed"); empty when none did.
	Signature string
}

// Observer receives every request the server answered (Options.Observer): the console's list
// of recent requests is one. Observe is called once per request, from the request's goroutine,
// and must not block.
type Observer interface {
	Observe(Seen)
}

// seen is what an Observer is told of the request in c; query is its masked query (nil when it
// had none).
func seen(c echo.Context, status int, delivered, verified bool, elapsed time.Duration, kind LookupKind, query []string, err error) Seen {
	req := c.Request()
	s := Seen{
		Time: time.Now(), Method: text.Truncate(req.Method, maxLoggedID), Path: text.Truncate(req.URL.Path, maxLoggedPath),
		Kind: kind, Status: status, Delivered: delivered, Verified: verified, Latency: elapsed, Results: -1,
		CorrelationID: text.Truncate(req.Header.Get("Gladly-Correlation-Id"), maxLoggedID),
		Query:         query,
	}
	if n, ok := c.Get(lookupCountKey).(int); ok {
		s.Results = n
	}
	if v, ok := c.Get(signatureKey).(signing.Verified); ok {
		s.Signature = string(v.Form) + " query, header values " + string(v.Headers)
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
		return text.Truncate(err.Error(), maxLoggedError) + " — check the signing key, and signing.path if a proxy rewrites the path"
	}
	return text.Truncate(err.Error(), maxLoggedError)
}

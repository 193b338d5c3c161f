package adaptor_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// brokenStore fails every lookup the way its mode says: down, stall (until the request's context
// ends), late (finds nobody after lateBy, whatever the context says) or panic.
type brokenStore struct {
	store.Store
	mode string
}

// lateBy is how long a late brokenStore takes: past the write deadline of a server whose
// request_timeout is 100 ms.
const lateBy = 2300 * time.Millisecond

func (b brokenStore) fail(ctx context.Context) error {
	switch b.mode {
	case "down":
		return errors.New("disk I/O error at /var/lib/secret/path.db")
	case "stall":
		<-ctx.Done()
		return ctx.Err()
	case "late":
		time.Sleep(lateBy)
		return nil
	default:
		panic("unexpected state at /src/adaptor/secret.go:42")
	}
}

func (b brokenStore) Link(ctx context.Context, q store.Link) ([]store.Customer, error) {
	return nil, b.fail(ctx)
}

func (b brokenStore) Search(ctx context.Context, q store.Search) ([]store.Customer, error) {
	return nil, b.fail(ctx)
}

func (b brokenStore) Customer(ctx context.Context, id string, n int) (store.Customer, error) {
	return store.Customer{}, b.fail(ctx)
}

func TestStoreFailures(t *testing.T) {
	bodies := map[string]string{
		"auto-link": `{"lookupLevel":"BASIC","query":{"emails":["ada@example.com"]},"uniqueMatchRequired":false}`,
		"search":    `{"lookupLevel":"BASIC","query":{"name":"ada"},"uniqueMatchRequired":false}`,
		"detailed":  `{"lookupLevel":"DETAILED","query":{"externalCustomerId":"C-1001"},"uniqueMatchRequired":true}`,
	}
	cases := []struct {
		mode   string
		status int
		code   string
	}{
		{"down", http.StatusServiceUnavailable, "unavailable"},
		{"stall", http.StatusGatewayTimeout, "timeout"},
		{"panic", http.StatusInternalServerError, "internal"},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			h := start(t, adaptor.Options{RequestTimeout: 50 * time.Millisecond, Store: brokenStore{mode: tc.mode}})
			for kind, body := range bodies {
				status, got := h.post(t, body)
				if status != tc.status || !strings.Contains(got, `"code":"`+tc.code+`"`) || strings.Contains(got, "results") {
					t.Errorf("%s: got %d %s, want %d with code %s and no results", kind, status, got, tc.status, tc.code)
				}
				for _, leak := range []string{"/var/lib", "secret", ".go:", "goroutine"} {
					if strings.Contains(got, leak) {
						t.Errorf("%s: answer leaks %q: %s", kind, leak, got)
					}
				}
			}
			// The server still serves: a lookup that needs no store answers.
			if status, got := h.post(t, `{"lookupLevel":"BASIC","query":{"id":"g1"},"uniqueMatchRequired":false}`); status != http.StatusOK {
				t.Errorf("after failures: %d %s", status, got)
			}
		})
	}
}

func TestLookupLogLine(t *testing.T) {
	h := start(t, adaptor.Options{})
	h.post(t, `{"lookupLevel":"BASIC","query":{"id":"g1","name":"Ada Lovelace","emails":["ada@example.com"],"phones":["+1 415 555 0123"]},"uniqueMatchRequired":false}`)
	entries := h.logs.FilterMessage("request").All()
	if len(entries) != 1 {
		t.Fatalf("want one request line, got %d", len(entries))
	}
	fields := entries[0].ContextMap()
	if fields["kind"] != "auto_link" || fields["results"] != int64(2) || fields["status"] != int64(200) {
		t.Errorf("request line fields: %v", fields)
	}
	if q := fmt.Sprint(fields["query"]); q != "[emails=a***@e***.com name phones=***0123]" {
		t.Errorf("masked query = %s", q)
	}
	assertLogsOmit(t, h, "ada@example.com", "example", "Lovelace", "555")
}

// TestLoggedScalarQuery checks the masked query of single-valued fields, written plainly and
// with JSON escapes.
func TestLoggedScalarQuery(t *testing.T) {
	h := start(t, adaptor.Options{})
	for body, want := range map[string]string{
		`{"lookupLevel":"BASIC","query":{"email":"charles@example.com"}}`:                               "[email=c***@e***.com]",
		`{"lookupLevel":"BASIC","query":{"email":"ch\u0061rles@example.com"}}`:                          "[email=c***@e***.com]",
		`{"lookupLevel":"DETAILED","query":{"externalCustomerId":"C-1001"},"uniqueMatchRequired":true}`: "[externalCustomerId=C-1001]",
		`{"lookupLevel":"BASIC","query":{"phone":"+1 415 555 0123"}}`:                                   "[phone=***0123]",
	} {
		h.logs.TakeAll()
		h.post(t, body)
		entries := h.logs.FilterMessage("request").All()
		if len(entries) != 1 {
			t.Fatalf("%s: want one request line, got %d", body, len(entries))
		}
		if q := fmt.Sprint(entries[0].ContextMap()["query"]); q != want {
			t.Errorf("%s: masked query = %s, want %s", body, q, want)
		}
	}
}

func TestLogLineIsBounded(t *testing.T) {
	h := start(t, adaptor.Options{MaxBodyBytes: 1 << 20}) // room for a query of 100 KB
	var q strings.Builder
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&q, `"field%03d%s":"x",`, i, strings.Repeat("k", 200))
	}
	status, body := h.post(t, `{"lookupLevel":"BASIC","query":{`+q.String()+`"id":"g"},"uniqueMatchRequired":false}`)
	if status != http.StatusBadRequest || !strings.Contains(body, `"attr":"query"`) {
		t.Errorf("500 search fields: %d %s, want a 400 naming query", status, body)
	}
	entries := h.logs.FilterMessage("request").All()
	if len(entries) != 1 {
		t.Fatalf("want one request line, got %d", len(entries))
	}
	if n := len(fmt.Sprint(entries[0].ContextMap())); n > 4096 {
		t.Errorf("a request with 500 long field names logs %d bytes", n)
	}
}

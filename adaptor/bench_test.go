package adaptor_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// BenchmarkLookup measures the server's own work per lookup — the whole middleware chain,
// decoding, resolving against the memory store, encoding, logging and metrics — without the
// network, beside the bare signature check the docs/performance.md yardstick does.
//
//	go test ./adaptor -run '^$' -bench Lookup -benchmem
func BenchmarkLookup(b *testing.B) {
	v := &signing.Verifier{Keys: [][]byte{[]byte(testKey)}, MaxSkew: 5 * time.Minute}
	srv := newDemoServer(b, v)
	bodies := map[string]string{
		"auto_link":    `{"lookupLevel":"BASIC","query":{"id":"g1","name":"Ada Lovelace","emails":["ada@example.com"],"phones":["+14155550123"]},"uniqueMatchRequired":false}`,
		"basic_search": `{"lookupLevel":"BASIC","query":{"id":"g1","email":"charles@example.com"},"uniqueMatchRequired":false}`,
		"detailed":     `{"lookupLevel":"DETAILED","query":{"externalCustomerId":"C-1001","id":"g1"},"uniqueMatchRequired":true}`,
	}
	request := func(body string) (*signing.Request, *http.Request) {
		sr, err := signing.NewRequest([]byte(testKey), "POST", "/lookup", "", []byte(body), testNow)
		if err != nil {
			b.Fatal(err)
		}
		r := httptest.NewRequest("POST", "/lookup", bytes.NewReader(sr.Body))
		r.Header = sr.Header
		return sr, r
	}
	b.Run("bare_signature_check", func(b *testing.B) {
		sr, _ := request(bodies["detailed"])
		for b.Loop() {
			if _, err := v.Verify(sr, testNow); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, kind := range []string{"auto_link", "basic_search", "detailed"} {
		b.Run(kind, func(b *testing.B) {
			sr, _ := request(bodies[kind])
			for b.Loop() {
				r := httptest.NewRequest("POST", "/lookup", bytes.NewReader(sr.Body))
				r.Header = sr.Header
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}

// BenchmarkRefused measures what the costliest unauthenticated requests cost the server — the
// whole chain over ServeHTTP, with two signing keys configured (a rotation) — at the default
// 64 KiB header limit. docs/performance.md budgets under 1 ms of CPU and 1 MiB of memory for any of them.
//
//	go test ./adaptor -run '^$' -bench Refused -benchmem
func BenchmarkRefused(b *testing.B) {
	v := &signing.Verifier{Keys: [][]byte{[]byte("next-key"), []byte(testKey)}, MaxSkew: 5 * time.Minute}
	srv := newDemoServer(b, v)
	cases := map[string]rawRequest{
		// 32 signed headers filling the header limit with white space to collapse, a query
		// string so both canonical forms are built, a wrong signature.
		"worst_canonical_request": worstRefused(b),
		// The request that cost seconds and gigabytes before SignedHeaders was bounded.
		"one_header_signed_30000_times": signedRaw(b, adaBody, func(r *rawRequest) {
			r.set("X-Big", strings.Repeat("v", 30_000))
			authWith(strings.Repeat("x-big;", 5_000) + "gladly-time")(r)
		}),
		"60KiB_query_string_of_7000_parameters": signedRaw(b, adaBody, func(r *rawRequest) {
			r.target = "/lookup?" + manyParams(7000)
		}),
		// Not a header cost but the body's: read, then hashed once.
		"1MiB_body_wrong_signature": signedRaw(b, `{"x":"`+strings.Repeat("b", 1<<20-16)+`"}`, authWith("accept;content-type;gladly-correlation-id;gladly-time")),
		"60KiB_of_authorization_parameters": signedRaw(b, adaBody, func(r *rawRequest) {
			r.set("Gladly-Authorization", strings.Repeat("SigningAlgorithm=x,", 3000))
		}),
	}
	for name, raw := range cases {
		b.Run(name, func(b *testing.B) {
			parsed, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw.bytes())))
			if err != nil {
				b.Fatal(err)
			}
			if n := headerBytes(parsed.Header); n > 64<<10 {
				b.Fatalf("%d bytes of headers, past the default limit", n)
			}
			// One request, its body renewed each time, so that only the server's work is timed.
			r := httptest.NewRequest(raw.method, raw.target, nil)
			r.Header, r.ContentLength = parsed.Header, parsed.ContentLength
			for b.Loop() {
				r.Body = io.NopCloser(bytes.NewReader(raw.body))
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, r)
				if w.Code != http.StatusUnauthorized {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// headerBytes is the size of h on the wire, as net/http counts it against MaxHeaderBytes.
func headerBytes(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

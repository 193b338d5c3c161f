package adaptor_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// BenchmarkLookup measures the server's own work per lookup — the whole middleware chain,
// decoding, resolving against the memory store, encoding, logging and metrics — without the
// network, beside the bare signature check the SPEC §9 yardstick does.
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

package signing_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// FuzzParseAuthorization checks that any header value either parses into a well-formed
// Authorization or fails with ErrMalformed, and never panics. An accepted SignedHeaders list
// is never longer than MaxSignedHeaders, and holds distinct lowercase tokens in byte order.
// Seeds: testdata/fuzz.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("SigningAlgorithm=hmac-sha256, SignedHeaders=" + kaSigned + ", Signature=" + kaSignature)
	f.Add(withHeaders("accept;accept;gladly-time"))
	f.Add(withHeaders(manyHeaders(signing.MaxSignedHeaders)))
	f.Fuzz(func(t *testing.T, s string) {
		a, err := signing.ParseAuthorization(s)
		if err != nil {
			if !errors.Is(err, signing.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if len(a.Signature) != 32 || len(a.SignedHeaders) == 0 || len(a.SignedHeaders) > signing.MaxSignedHeaders {
			t.Fatalf("accepted %q as %+v", s, a)
		}
		for i, name := range a.SignedHeaders {
			if name != strings.ToLower(name) || strings.ContainsAny(name, " \t:;,\"") ||
				(i > 0 && a.SignedHeaders[i-1] >= name) {
				t.Fatalf("accepted SignedHeaders %q", a.SignedHeaders)
			}
		}
	})
}

// FuzzVerify feeds arbitrary authorization, time, body and header values to Verify: it must
// never panic, every failure must carry a known reason, and whatever verifies with the key must
// fail with any other key.
func FuzzVerify(f *testing.F) {
	f.Add("SigningAlgorithm=hmac-sha256, SignedHeaders="+kaSigned+", Signature="+kaSignature, kaTime, kaBody, "application/json", "")
	f.Add("SigningAlgorithm=hmac-sha256, SignedHeaders=gladly-time;host, Signature="+kaSignature, "20261121T0930", "", "", "a=%zz")
	f.Fuzz(func(t *testing.T, auth, gtime, body, accept, query string) {
		h := http.Header{}
		h.Set("Gladly-Authorization", auth)
		h.Set("Gladly-Time", gtime)
		h.Set("Accept", accept)
		h.Set("Content-Type", "application/json")
		h.Set("Gladly-Correlation-Id", "Zc1QW8eRT0yk4nHf2LmPsA")
		r := &signing.Request{Method: "POST", Path: "/lookup", RawQuery: query, Header: h, Body: []byte(body)}
		_, err := verifier(kaKey).Verify(r, kaNow)
		if err == nil {
			// A request that verifies with the key must not verify with any other key.
			if _, err := verifier("another-key").Verify(r, kaNow); !errors.Is(err, signing.ErrMismatch) {
				t.Fatalf("verified request: other key gives %v, want mismatch", err)
			}
			return
		}
		if signing.Reason(err) == "unknown" {
			t.Fatalf("error without a reason: %v", err)
		}
	})
}

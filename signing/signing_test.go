package signing_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// The worked example of Gladly request signing (docs/protocol.md, Signing), computed with an
// independent implementation.
const (
	kaKey       = "example-signing-key-0123456789abcdef"
	kaBody      = `{"lookupLevel":"BASIC","query":{"emails":["ada@example.com"],"id":"Qx7rT2mLQkGz1pWcYb3dNa","name":"Ada Lovelace","phones":["+14155550123"]},"uniqueMatchRequired":false}`
	kaTime      = "20261121T093000Z"
	kaSignature = "e39267e882c77074cebebeb0cdabf3adce1e3d50bba37438620cdbfccdf31ed3"
	kaSigned    = "accept;content-type;gladly-correlation-id;gladly-time"
)

var kaNow = time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)

func knownAnswer() *signing.Request {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	h.Set("Gladly-Correlation-Id", "Zc1QW8eRT0yk4nHf2LmPsA")
	h.Set("Gladly-Time", kaTime)
	h.Set("Gladly-Authorization", "SigningAlgorithm=hmac-sha256, SignedHeaders="+kaSigned+", Signature="+kaSignature)
	return &signing.Request{Method: "POST", Path: "/lookup", Header: h, Body: []byte(kaBody)}
}

func verifier(keys ...string) *signing.Verifier {
	v := &signing.Verifier{MaxSkew: 5 * time.Minute}
	for _, k := range keys {
		v.Keys = append(v.Keys, []byte(k))
	}
	return v
}

func TestKnownAnswer(t *testing.T) {
	got, err := verifier(kaKey).Verify(knownAnswer(), kaNow)
	if err != nil {
		t.Fatalf("the worked example does not verify: %v", err)
	}
	if got.Form != signing.FormCanonical || !got.Time.Equal(kaNow) || hex.EncodeToString(got.Signature) != kaSignature {
		t.Errorf("verified %+v, want the canonical form, Gladly-Time and signature", got)
	}
}

func TestSignReproducesKnownAnswer(t *testing.T) {
	r := knownAnswer()
	r.Header.Del("Gladly-Authorization")
	got, err := signing.Sign([]byte(kaKey), r)
	if err != nil {
		t.Fatal(err)
	}
	want := "SigningAlgorithm=hmac-sha256, SignedHeaders=" + kaSigned + ", Signature=" + kaSignature
	if got != want {
		t.Errorf("Sign =\n %s\nwant\n %s", got, want)
	}
}

// Changing any one input of the worked example must fail with the reason that input explains.
func TestKnownAnswerTampered(t *testing.T) {
	cases := []struct {
		name   string
		key    string
		now    time.Time
		mutate func(r *signing.Request)
		want   error
	}{
		{"body byte", kaKey, kaNow, func(r *signing.Request) { r.Body[10] ^= 1 }, signing.ErrMismatch},
		{"signed header value", kaKey, kaNow, func(r *signing.Request) { r.Header.Set("Accept", "text/plain") }, signing.ErrMismatch},
		{"path", kaKey, kaNow, func(r *signing.Request) { r.Path = "/lookup2" }, signing.ErrMismatch},
		{"method", kaKey, kaNow, func(r *signing.Request) { r.Method = "GET" }, signing.ErrMismatch},
		{"query added", kaKey, kaNow, func(r *signing.Request) { r.RawQuery = "a=1" }, signing.ErrMismatch},
		{"64 query parameters", kaKey, kaNow, func(r *signing.Request) { r.RawQuery = strings.Repeat("a=1&", 63) + "a=1" }, signing.ErrMismatch},
		{"65 query parameters", kaKey, kaNow, func(r *signing.Request) { r.RawQuery = strings.Repeat("a=1&", 64) + "a=1" }, signing.ErrQuery},
		{"time within window", kaKey, kaNow, func(r *signing.Request) { r.Header.Set("Gladly-Time", "20261121T093001Z") }, signing.ErrMismatch},
		{"key", kaKey + "x", kaNow, func(*signing.Request) {}, signing.ErrMismatch},
		{"stale", kaKey, kaNow.Add(5*time.Minute + time.Second), func(*signing.Request) {}, signing.ErrStale},
		{"future", kaKey, kaNow.Add(-5*time.Minute - time.Second), func(*signing.Request) {}, signing.ErrStale},
		{"missing time", kaKey, kaNow, func(r *signing.Request) { r.Header.Del("Gladly-Time") }, signing.ErrMissingHeader},
		{"missing authorization", kaKey, kaNow, func(r *signing.Request) { r.Header.Del("Gladly-Authorization") }, signing.ErrMissingHeader},
		{"signed header absent", kaKey, kaNow, func(r *signing.Request) { r.Header.Del("Accept") }, signing.ErrHeaderAbsent},
		{"bad time", kaKey, kaNow, func(r *signing.Request) { r.Header.Set("Gladly-Time", "2026-11-21T09:30:00Z") }, signing.ErrBadTime},
		{"algorithm", kaKey, kaNow, func(r *signing.Request) {
			r.Header.Set("Gladly-Authorization", strings.Replace(r.Header.Get("Gladly-Authorization"), "hmac-sha256", "hmac-sha1", 1))
		}, signing.ErrAlgorithm},
		{"time not signed", kaKey, kaNow, func(r *signing.Request) {
			r.Header.Set("Gladly-Authorization", strings.Replace(r.Header.Get("Gladly-Authorization"), ";gladly-time", "", 1))
		}, signing.ErrTimeUnsigned},
		{"short signature", kaKey, kaNow, func(r *signing.Request) {
			r.Header.Set("Gladly-Authorization", strings.TrimSuffix(r.Header.Get("Gladly-Authorization"), "d3"))
		}, signing.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := knownAnswer()
			tc.mutate(r)
			_, err := verifier(tc.key).Verify(r, tc.now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got, want := signing.Reason(err), tc.want.(*signing.Error).Reason; got != want {
				t.Errorf("Reason = %q, want %q", got, want)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	if _, err := verifier("old-key", kaKey).Verify(knownAnswer(), kaNow); err != nil {
		t.Errorf("second key of the list does not verify: %v", err)
	}
	if _, err := verifier("old-key", "other").Verify(knownAnswer(), kaNow); !errors.Is(err, signing.ErrMismatch) {
		t.Errorf("no matching key: err = %v, want mismatch", err)
	}
	if _, err := verifier().Verify(knownAnswer(), kaNow); !errors.Is(err, signing.ErrNoKeys) {
		t.Errorf("no keys: err = %v, want ErrNoKeys", err)
	}
}

func TestSkewDisabled(t *testing.T) {
	v := verifier(kaKey)
	v.MaxSkew = 0
	if _, err := v.Verify(knownAnswer(), kaNow.AddDate(1, 0, 0)); err != nil {
		t.Errorf("max_skew 0 must accept an old request: %v", err)
	}
}

// signed builds a request signed by Sign with the given extra headers.
func signed(t *testing.T, path, query string, extra map[string]string) *signing.Request {
	t.Helper()
	h := http.Header{}
	h.Set("Gladly-Time", kaTime)
	for k, v := range extra {
		h.Set(k, v)
	}
	r := &signing.Request{Method: "POST", Path: path, RawQuery: query, Header: h, Body: []byte(`{}`)}
	auth, err := signing.Sign([]byte(kaKey), r)
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Gladly-Authorization", auth)
	return r
}

// Both header-value forms verify, the trimmed one (Gladly's documentation, its App Platform
// signer) first: a value with inner double spaces — a Basic realm, say — signed trimmed, and
// the same request signed with inner white space collapsed (Gladly's Node sample).
func TestWhitespaceInSignedHeaders(t *testing.T) {
	extra := map[string]string{"Www-Authenticate": `Basic  realm="Acme  Support"`, "X-Custom": "a    b\t c"}
	r := signed(t, "/lookup", "", extra)
	got, err := verifier(kaKey).Verify(r, kaNow)
	if err != nil || got.Headers != signing.HeadersTrimmed {
		t.Errorf("signed with the values trimmed: %+v, %v", got, err)
	}
	r.Header.Del("Gladly-Authorization")
	auth, err := signing.SignCollapsed([]byte(kaKey), r)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Gladly-Authorization", auth)
	// The value as it travels may differ in inner white space; the collapsed form absorbs it.
	r.Header.Set("X-Custom", "  a b   c  ")
	got, err = verifier(kaKey).Verify(r, kaNow)
	if err != nil || got.Headers != signing.HeadersCollapsed {
		t.Errorf("signed with the values collapsed: %+v, %v", got, err)
	}
	// Trimmed values that differ inside are a different request.
	r = signed(t, "/lookup", "", extra)
	r.Header.Set("Www-Authenticate", `Basic realm="Acme Support"`)
	if _, err := verifier(kaKey).Verify(r, kaNow); !errors.Is(err, signing.ErrMismatch) {
		t.Errorf("a trimmed-signed value changed inside verified: %v", err)
	}
}

// Gladly's published example (its developer documentation on request signing) verifies, and
// Sign reproduces it from the same headers and time.
func TestGladlyPublishedExample(t *testing.T) {
	const (
		key       = "test-apikey-1"
		body      = `{"lookupLevel":"DETAILED","query":{"emails":["martha.williams@gmail.com"],"externalCustomerId":"abc","favoriteDate":"2018-08-19T07:00:00.000Z","favoriteFood":"Apple Pie","id":"o2sg-TMTSD2rTwMuxzewbA","name":"Martha Williams","phones":["+15013299800"]},"uniqueMatchRequired":true}`
		signature = "4c633fca4914f51df04c9ec40f4545d66d653e771c6634e33eed52a242bc278c"
		list      = "accept;content-type;gladly-correlation-id;gladly-time;x-b3-traceid"
	)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	h.Set("Gladly-Correlation-Id", "vXmSEPjVSWCaCMzvjufxZg")
	h.Set("X-B3-Traceid", "bd799210f8d549609a08ccef8ee7f166")
	h.Set("Gladly-Time", "20190213T214016Z")
	r := &signing.Request{Method: "POST", Path: "/api/v2/customer/lookup", Header: h, Body: []byte(body)}
	auth, err := signing.Sign([]byte(key), r)
	if want := "SigningAlgorithm=hmac-sha256, SignedHeaders=" + list + ", Signature=" + signature; err != nil || auth != want {
		t.Fatalf("Sign = %s, %v\nwant %s", auth, err, want)
	}
	h.Set("Gladly-Authorization", auth)
	v := verifier(key)
	v.MaxSkew = 0
	if got, err := v.Verify(r, time.Now()); err != nil || got.Form != signing.FormCanonical || got.Headers != signing.HeadersTrimmed {
		t.Errorf("Gladly's example: %+v, %v", got, err)
	}
}

func TestQueryStringForms(t *testing.T) {
	r := signed(t, "/lookup", "b=2&a=1", nil)
	got, err := verifier(kaKey).Verify(r, kaNow)
	if err != nil || got.Form != signing.FormCanonical {
		t.Fatalf("canonical query: form %q err %v", got.Form, err)
	}

	// A legacy signer puts path?query on line 2 and the raw query on line 3; an already sorted
	// query makes Sign produce exactly that when given path?query as the path.
	legacy := signed(t, "/lookup?a=1&b=2", "a=1&b=2", nil)
	legacy.Path = "/lookup"
	got, err = verifier(kaKey).Verify(legacy, kaNow)
	if err != nil || got.Form != signing.FormLegacy {
		t.Fatalf("legacy query: form %q err %v", got.Form, err)
	}
}

func TestHostHeader(t *testing.T) {
	r := signed(t, "/lookup", "", map[string]string{"Host": "adaptor.example.com"})
	r.Host = r.Header.Get("Host")
	r.Header.Del("Host") // as net/http delivers it
	if _, err := verifier(kaKey).Verify(r, kaNow); err != nil {
		t.Errorf("signed host header: %v", err)
	}
}

func TestParseAuthorization(t *testing.T) {
	good := "SigningAlgorithm=hmac-sha256, SignedHeaders=a;gladly-time, Signature=" + kaSignature
	a, err := signing.ParseAuthorization(good)
	if err != nil {
		t.Fatal(err)
	}
	if a.Algorithm != "hmac-sha256" || len(a.SignedHeaders) != 2 || len(a.Signature) != 32 {
		t.Errorf("parsed %+v", a)
	}
	if a, err := signing.ParseAuthorization(withHeaders(manyHeaders(signing.MaxSignedHeaders))); err != nil || len(a.SignedHeaders) != signing.MaxSignedHeaders {
		t.Errorf("%d headers: %v", signing.MaxSignedHeaders, err)
	}
	for _, bad := range []string{
		"",
		"SigningAlgorithm=hmac-sha256",
		"SigningAlgorithm=hmac-sha256, SignedHeaders=a, Signature=" + kaSignature + ", Signature=" + kaSignature,
		"SigningAlgorithm=hmac-sha256, SignedHeaders=a;;b, Signature=" + kaSignature,
		"SigningAlgorithm=hmac-sha256, SignedHeaders=a, Signature=" + strings.Repeat("z", 64),
		"SigningAlgorithm=hmac-sha256 SignedHeaders=a Signature=" + kaSignature,
		withHeaders("gladly-time;gladly-time"), // a name twice
		withHeaders("gladly-time;accept"),      // not in sorted order
		withHeaders("Accept;gladly-time"),      // not lowercase
		withHeaders("acc ept;gladly-time"),     // not a token
		withHeaders("acc:ept;gladly-time"),     // not a token
		withHeaders("gladly-time;x\x00"),       // not a token
		withHeaders("gladly-time;"),            // empty entry
		withHeaders(manyHeaders(signing.MaxSignedHeaders + 1)),
		withHeaders(strings.Repeat("a;", 30000) + "gladly-time"), // many, cheaply refused
	} {
		if _, err := signing.ParseAuthorization(bad); !errors.Is(err, signing.ErrMalformed) {
			t.Errorf("ParseAuthorization(%q) err = %v, want ErrMalformed", bad, err)
		}
	}
}

// withHeaders is a well-formed Gladly-Authorization value with the given SignedHeaders list.
func withHeaders(list string) string {
	return "SigningAlgorithm=hmac-sha256, SignedHeaders=" + list + ", Signature=" + kaSignature
}

// manyHeaders is a sorted list of n distinct header names, gladly-time among them.
func manyHeaders(n int) string {
	names := []string{"gladly-time"}
	for i := 1; i < n; i++ {
		names = append(names, fmt.Sprintf("x-%03d", i))
	}
	return strings.Join(names, ";")
}

func TestStaleSaysBy(t *testing.T) {
	_, err := verifier(kaKey).Verify(knownAnswer(), kaNow.Add(7*time.Minute))
	var skew *signing.SkewError
	if !errors.As(err, &skew) || skew.Skew != 7*time.Minute || !errors.Is(err, signing.ErrStale) {
		t.Fatalf("err = %v, want a SkewError of 7m wrapping ErrStale", err)
	}
}

func TestReplays(t *testing.T) {
	r := signing.NewReplays(2)
	sig := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	seen := func(b byte, until, now time.Time) bool { s, _ := r.Seen(sig(b), until, now); return s }
	until := kaNow.Add(5 * time.Minute)
	if seen(1, until, kaNow) {
		t.Fatal("first sight reported as a replay")
	}
	if !seen(1, until, kaNow.Add(time.Minute)) {
		t.Fatal("second sight within the window not reported")
	}
	if seen(1, until.Add(5*time.Minute), until) {
		t.Fatal("a sight after the window reported as a replay")
	}
	// Capacity 2: a third live signature pushes out the oldest, and says so.
	seen(2, until, kaNow)
	if _, evicted := r.Seen(sig(3), until, kaNow); !evicted {
		t.Error("forgetting a live signature was not reported")
	}
	if seen(1, until, kaNow) {
		t.Fatal("the oldest signature was not forgotten past capacity")
	}
	if !seen(3, until, kaNow) {
		t.Fatal("a recent signature was forgotten")
	}
	// A zero until never expires.
	seen(4, time.Time{}, kaNow)
	if !seen(4, time.Time{}, kaNow.AddDate(1, 0, 0)) {
		t.Fatal("a never-expiring record expired")
	}
}

// The memory holds the whole window: it grows while every signature is live, makes room from
// expired ones without reporting an eviction, and evicts a live one only at capacity.
func TestReplaysHoldTheWindow(t *testing.T) {
	r := signing.NewReplays(5000)
	sig := func(i int) []byte { b := make([]byte, 32); binary.BigEndian.PutUint32(b, uint32(i)); return b }
	until := kaNow.Add(5 * time.Minute)
	for i := range 5000 {
		if _, evicted := r.Seen(sig(i), until, kaNow); evicted {
			t.Fatalf("signature %d evicted a live one below capacity", i)
		}
	}
	for i := range 5000 {
		if s, _ := r.Seen(sig(i), until, kaNow); !s {
			t.Fatalf("signature %d of 5000 within the window was forgotten", i)
		}
	}
	later := until.Add(time.Second) // every record so far has expired
	for i := 5000; i < 10000; i++ {
		if _, evicted := r.Seen(sig(i), later.Add(5*time.Minute), later); evicted {
			t.Fatalf("an expired record was reported as a live eviction (signature %d)", i)
		}
	}
	if _, evicted := r.Seen(sig(10000), later.Add(5*time.Minute), later); !evicted {
		t.Error("past capacity, with every record live, nothing was reported evicted")
	}
}

// A missing header is named, for the console's diagnosis (the 401 answer stays uniform).
func TestMissingHeaderIsNamed(t *testing.T) {
	for header, want := range map[string]string{"Gladly-Time": "no Gladly-Time", "Gladly-Authorization": "no Gladly-Authorization"} {
		r := knownAnswer()
		r.Header.Del(header)
		_, err := verifier(kaKey).Verify(r, kaNow)
		if !errors.Is(err, signing.ErrMissingHeader) || !strings.Contains(err.Error(), want) {
			t.Errorf("without %s: %v", header, err)
		}
	}
}

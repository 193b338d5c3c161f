package signing

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"time"
)

// NewRequest returns a Request carrying the headers Gladly sends with a JSON body at time t —
// Content-Type, Accept, Gladly-Correlation-Id, X-B3-Traceid and Gladly-Time — all of them signed
// with key into Gladly-Authorization. It serves tests and tooling that play Gladly's part.
func NewRequest(key []byte, method, path, rawQuery string, body []byte, t time.Time) (*Request, error) {
	h := http.Header{}
	if method != http.MethodGet || len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Accept", "application/json")
	h.Set("Gladly-Correlation-Id", randomID(16, base64.RawURLEncoding.EncodeToString))
	h.Set("X-B3-Traceid", randomID(16, hex.EncodeToString))
	h.Set(HeaderTime, FormatTime(t))
	r := &Request{Method: method, Path: path, RawQuery: rawQuery, Header: h, Body: body}
	auth, err := Sign(key, r)
	if err != nil {
		return nil, err
	}
	h.Set(HeaderAuthorization, auth)
	return r, nil
}

// randomID returns n random bytes in the given encoding.
func randomID(n int, encode func([]byte) string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return encode(b)
}

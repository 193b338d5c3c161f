// Package signing verifies and produces the HMAC-SHA256 signatures that Gladly puts on every
// request it sends to a Lookup Adaptor.
//
// Gladly sends a Gladly-Time header (UTC, 20060102T150405Z) and a Gladly-Authorization header
// naming the algorithm, the signed headers and the signature. Verify rebuilds the canonical
// request from the method, the path, the query string, the headers named in SignedHeaders and the
// raw body bytes; derives a per-day key from each configured signing key; and compares the
// signature in constant time:
//
//	v := signing.Verifier{Keys: [][]byte{key}, MaxSkew: 5 * time.Minute}
//	form, err := v.Verify(&signing.Request{Method: "POST", Path: "/lookup", Header: h, Body: b}, time.Now())
//
// Every failure wraps one of the *Error values below, whose Reason is a short stable label fit
// for logs and metrics. Sign does the reverse, for tests and tooling.
//
// The package knows nothing of any HTTP framework and uses only the standard library.
package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm Gladly uses and the only one Verify accepts.
const Algorithm = "hmac-sha256"

// TimeLayout is the time.Parse layout of the Gladly-Time header.
const TimeLayout = "20060102T150405Z"

// Header names Gladly sends.
const (
	HeaderTime          = "Gladly-Time"
	HeaderAuthorization = "Gladly-Authorization"
)

// Error is a verification failure. Reason is a short, stable label (for logs and metrics); the
// message never contains key material or body bytes.
type Error struct {
	Reason string
	msg    string
}

func (e *Error) Error() string { return "signing: " + e.msg }

// The failures Verify reports, each wrapped with detail where there is some.
var (
	ErrMissingHeader = &Error{"missing_header", "missing Gladly-Time or Gladly-Authorization header"}
	ErrMalformed     = &Error{"malformed", "malformed Gladly-Authorization header"}
	ErrAlgorithm     = &Error{"algorithm", "unsupported signing algorithm"}
	ErrTimeUnsigned  = &Error{"time_unsigned", "gladly-time is not among the signed headers"}
	ErrHeaderAbsent  = &Error{"header_absent", "a signed header is absent from the request"}
	ErrBadTime       = &Error{"bad_time", "malformed Gladly-Time"}
	ErrStale         = &Error{"stale", "Gladly-Time outside the allowed window"}
	ErrMismatch      = &Error{"mismatch", "signature mismatch"}
	ErrNoKeys        = &Error{"no_keys", "no signing key configured"}
)

// Reason returns the Reason of the *Error that err wraps, or "unknown".
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return "unknown"
}

// Request is what the signature covers. Header holds the request headers as received; Host is
// consulted when "host" is a signed header, because net/http moves it out of Header. Body is the
// raw body exactly as received.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Host     string
	Header   http.Header
	Body     []byte
}

// Form says which canonical form of the query string a signature verified with.
type Form string

// The two canonical forms. FormCanonical sorts and encodes the query on its own line (SPEC §2);
// FormLegacy appends the raw query to the path and repeats it raw, as some of Gladly's examples do.
const (
	FormCanonical Form = "canonical"
	FormLegacy    Form = "legacy"
)

// Authorization is a parsed Gladly-Authorization header.
type Authorization struct {
	Algorithm     string
	SignedHeaders []string // as given, in order
	Signature     []byte   // decoded, 32 bytes
}

// ParseAuthorization parses "SigningAlgorithm=…, SignedHeaders=a;b, Signature=<64 hex>".
// Parameters may come in any order; unknown ones are ignored; a repeated or missing one, an empty
// header name or a signature that is not 64 hex digits is ErrMalformed.
func ParseAuthorization(s string) (Authorization, error) {
	var a Authorization
	var headers, sig string
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, fmt.Errorf("%w: parameter without '='", ErrMalformed)
		}
		switch k {
		case "SigningAlgorithm", "SignedHeaders", "Signature":
		default:
			continue
		}
		if seen[k] {
			return a, fmt.Errorf("%w: repeated %s", ErrMalformed, k)
		}
		seen[k] = true
		switch k {
		case "SigningAlgorithm":
			a.Algorithm = v
		case "SignedHeaders":
			headers = v
		case "Signature":
			sig = v
		}
	}
	if len(seen) != 3 {
		return a, fmt.Errorf("%w: want SigningAlgorithm, SignedHeaders and Signature", ErrMalformed)
	}
	for _, h := range strings.Split(headers, ";") {
		if h == "" || strings.ContainsAny(h, " \t:") {
			return a, fmt.Errorf("%w: bad SignedHeaders entry", ErrMalformed)
		}
		a.SignedHeaders = append(a.SignedHeaders, h)
	}
	if len(sig) != 2*sha256.Size {
		return a, fmt.Errorf("%w: signature must be %d hex digits", ErrMalformed, 2*sha256.Size)
	}
	b, err := hex.DecodeString(sig)
	if err != nil {
		return a, fmt.Errorf("%w: signature is not hex", ErrMalformed)
	}
	a.Signature = b
	return a, nil
}

// Verifier checks Gladly signatures. Keys lists every signing key currently accepted (several
// during a rotation); MaxSkew bounds how far Gladly-Time may be from now in either direction, and
// zero disables that check. A Verifier is safe for concurrent use once built.
type Verifier struct {
	Keys    [][]byte
	MaxSkew time.Duration
}

// Verify reports whether r carries a valid Gladly signature at time now, and which query-string
// form verified it. On failure the error wraps one of the package's *Error values.
func (v *Verifier) Verify(r *Request, now time.Time) (Form, error) {
	if len(v.Keys) == 0 {
		return "", ErrNoKeys
	}
	rawAuth := r.Header.Get(HeaderAuthorization)
	rawTime := strings.TrimSpace(r.Header.Get(HeaderTime))
	if rawAuth == "" || rawTime == "" {
		return "", ErrMissingHeader
	}
	auth, err := ParseAuthorization(rawAuth)
	if err != nil {
		return "", err
	}
	if auth.Algorithm != Algorithm {
		return "", ErrAlgorithm
	}
	if !contains(auth.SignedHeaders, "gladly-time") {
		return "", ErrTimeUnsigned
	}
	for _, name := range auth.SignedHeaders {
		if _, ok := headerValue(r, name); !ok {
			return "", fmt.Errorf("%w: %q", ErrHeaderAbsent, name)
		}
	}
	t, err := time.Parse(TimeLayout, rawTime)
	if err != nil {
		return "", ErrBadTime
	}
	if v.MaxSkew > 0 {
		if d := now.Sub(t); d > v.MaxSkew || d < -v.MaxSkew {
			return "", fmt.Errorf("%w: off by %s", ErrStale, d.Round(time.Second))
		}
	}

	bodyHash := hashHex(r.Body)
	forms := []Form{FormCanonical}
	if r.RawQuery != "" {
		forms = append(forms, FormLegacy)
	}
	for _, form := range forms {
		digest := stringToSign(rawTime, canonicalRequest(r, form, auth.SignedHeaders, bodyHash))
		for _, key := range v.Keys {
			if hmac.Equal(signature(key, rawTime, digest), auth.Signature) {
				return form, nil
			}
		}
	}
	return "", ErrMismatch
}

// Sign returns the Gladly-Authorization value for r signed with key in the canonical form,
// covering every header in r.Header. r.Header must already hold Gladly-Time.
func Sign(key []byte, r *Request) (string, error) {
	rawTime := strings.TrimSpace(r.Header.Get(HeaderTime))
	if _, err := time.Parse(TimeLayout, rawTime); err != nil {
		return "", ErrBadTime
	}
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		if lower := strings.ToLower(name); lower != "gladly-authorization" {
			names = append(names, lower)
		}
	}
	sort.Strings(names)
	digest := stringToSign(rawTime, canonicalRequest(r, FormCanonical, names, hashHex(r.Body)))
	return fmt.Sprintf("SigningAlgorithm=%s, SignedHeaders=%s, Signature=%s",
		Algorithm, strings.Join(names, ";"), hex.EncodeToString(signature(key, rawTime, digest))), nil
}

// FormatTime renders t as a Gladly-Time value.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// canonicalRequest builds the text whose hash is signed (SPEC §2, step 1).
func canonicalRequest(r *Request, form Form, signed []string, bodyHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	switch form {
	case FormLegacy:
		b.WriteString(r.Path + "?" + r.RawQuery)
		b.WriteByte('\n')
		b.WriteString(r.RawQuery)
	default:
		b.WriteString(r.Path)
		b.WriteByte('\n')
		b.WriteString(canonicalQuery(r.RawQuery))
	}
	b.WriteByte('\n')
	for _, name := range signed {
		value, _ := headerValue(r, name)
		b.WriteString(strings.ToLower(name))
		b.WriteByte(':')
		b.WriteString(strings.Join(strings.Fields(value), " "))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(bodyHash)
	return b.String()
}

// canonicalQuery sorts and encodes the query as url.Values.Encode does. A query that does not
// parse is kept raw; only the legacy form can then match it.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return raw
	}
	return q.Encode()
}

// headerValue returns the value of a signed header, joining repeated ones with commas. Host comes
// from r.Host when set, since net/http removes it from the header map.
func headerValue(r *Request, name string) (string, bool) {
	if strings.EqualFold(name, "host") && r.Host != "" {
		return r.Host, true
	}
	values := r.Header.Values(name)
	if len(values) == 0 {
		return "", false
	}
	return strings.Join(values, ","), true
}

// stringToSign is SPEC §2 step 3 over the canonical request.
func stringToSign(rawTime, canonical string) string {
	return Algorithm + "\n" + rawTime + "\n" + hashHex([]byte(canonical))
}

// signature is HMAC(dateKey, stringToSign) with dateKey = HMAC(key, YYYYMMDD).
func signature(key []byte, rawTime, toSign string) []byte {
	return hmacSum(hmacSum(key, []byte(rawTime[:8])), []byte(toSign))
}

func hmacSum(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func contains(list []string, want string) bool {
	for _, s := range list {
		if strings.EqualFold(s, want) {
			return true
		}
	}
	return false
}

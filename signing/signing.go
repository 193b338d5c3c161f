// Package signing verifies and produces the HMAC-SHA256 signatures that Gladly puts on every
// request it sends to a Lookup Adaptor.
//
// Gladly sends a Gladly-Time header (UTC, 20060102T150405Z) and a Gladly-Authorization header
// naming the algorithm, the signed headers and the signature. Verify rebuilds the canonical
// request from the method, the path, the query string, the headers named in SignedHeaders and the
// raw body bytes; derives a per-day key from each configured signing key; and compares the
// signature in constant time:
//
//	v := signing.Verifier{Keys: [][]byte{[]byte(key)}, MaxSkew: 5 * time.Minute}
//	form, err := v.Verify(&signing.Request{Method: "POST", Path: "/lookup", Header: h, Body: b}, time.Now())
//
// A key is the bytes of the string Gladly shows in the adaptor's settings, exactly as shown: not
// hex- or base64-decoded.
//
// Every failure wraps one of the *Error values below, whose Reason is a short stable label fit
// for logs and metrics. Sign does the reverse, for tests and tooling.
//
// The package knows nothing of any HTTP framework and uses only the standard library.
package signing

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
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
	ErrQuery         = &Error{"query", "query string with too many parameters to verify"}
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

// The two canonical forms. FormCanonical sorts and encodes the query on its own line
// (docs/protocol.md, Signing);
// FormLegacy appends the raw query to the path and repeats it raw, as some of Gladly's examples do.
const (
	FormCanonical Form = "canonical"
	FormLegacy    Form = "legacy"
)

// HeaderForm says how the signed header values entered the canonical request that verified.
type HeaderForm string

// The two header-value forms, tried in this order. HeadersTrimmed removes leading and trailing
// white space only, as Gladly's documentation and its App Platform signer do; HeadersCollapsed
// also turns each inner run of white space into one space, as Gladly's Node sample adaptor does.
const (
	HeadersTrimmed   HeaderForm = "trimmed"
	HeadersCollapsed HeaderForm = "collapsed"
)

// Authorization is a parsed Gladly-Authorization header.
type Authorization struct {
	Algorithm     string
	SignedHeaders []string // as given, in order
	Signature     []byte   // decoded, 32 bytes
}

// MaxQueryParams bounds the parameters of a signed query string: sorting them for the canonical
// form costs more per byte than anything else a signature check does. Gladly's lookups carry
// none, and action URLs a few.
const MaxQueryParams = 64

// MaxSignedHeaders bounds how many headers one signature may cover. Gladly signs a handful;
// the bound keeps the work done before a signature is checked proportional to the request.
const MaxSignedHeaders = 32

// ParseAuthorization parses "SigningAlgorithm=…, SignedHeaders=a;b, Signature=<64 hex>".
// Parameters may come in any order; unknown ones are ignored. A repeated or missing parameter
// or a signature that is not 64 hex digits is ErrMalformed, and so is a SignedHeaders list that
// is empty, longer than MaxSignedHeaders, names a header twice, holds anything but lowercase
// header tokens, or is not in byte order as Gladly sends it. The parse allocates only the list
// it returns, so its cost is bounded by the header's length.
func ParseAuthorization(s string) (Authorization, error) {
	var a Authorization
	var alg, headers, sig string
	var seen [3]bool
	for rest := s; ; {
		part, more, found := strings.Cut(rest, ",")
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, fmt.Errorf("%w: parameter without '='", ErrMalformed)
		}
		var i int
		var dst *string
		switch k {
		case "SigningAlgorithm":
			i, dst = 0, &alg
		case "SignedHeaders":
			i, dst = 1, &headers
		case "Signature":
			i, dst = 2, &sig
		}
		if dst != nil {
			if seen[i] {
				return a, fmt.Errorf("%w: repeated %s", ErrMalformed, k)
			}
			seen[i], *dst = true, v
		}
		if !found {
			break
		}
		rest = more
	}
	if !seen[0] || !seen[1] || !seen[2] {
		return a, fmt.Errorf("%w: want SigningAlgorithm, SignedHeaders and Signature", ErrMalformed)
	}
	names, err := parseSignedHeaders(headers)
	if err != nil {
		return a, err
	}
	if len(sig) != 2*sha256.Size {
		return a, fmt.Errorf("%w: signature must be %d hex digits", ErrMalformed, 2*sha256.Size)
	}
	b, err := hex.DecodeString(sig)
	if err != nil {
		return a, fmt.Errorf("%w: signature is not hex", ErrMalformed)
	}
	a.Algorithm, a.SignedHeaders, a.Signature = alg, names, b
	return a, nil
}

// parseSignedHeaders splits and checks a SignedHeaders list; it counts before it allocates.
func parseSignedHeaders(list string) ([]string, error) {
	if n := strings.Count(list, ";") + 1; n > MaxSignedHeaders {
		return nil, fmt.Errorf("%w: SignedHeaders names %d headers, at most %d allowed", ErrMalformed, n, MaxSignedHeaders)
	}
	names := strings.Split(list, ";")
	for i, name := range names {
		if !isLowerToken(name) {
			return nil, fmt.Errorf("%w: SignedHeaders entry %d is not a lowercase header name", ErrMalformed, i+1)
		}
		if i > 0 && names[i-1] >= name {
			if names[i-1] == name {
				return nil, fmt.Errorf("%w: SignedHeaders names %.64q twice", ErrMalformed, name)
			}
			return nil, fmt.Errorf("%w: SignedHeaders is not in sorted order at %.64q", ErrMalformed, name)
		}
	}
	return names, nil
}

// isLowerToken reports whether s is a non-empty HTTP header name (an RFC 9110 token) without
// upper-case letters.
func isLowerToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// Verifier checks Gladly signatures. Keys lists every signing key currently accepted (several
// during a rotation); MaxSkew bounds how far Gladly-Time may be from now in either direction, and
// zero disables that check. A Verifier is safe for concurrent use once built.
type Verifier struct {
	Keys    [][]byte
	MaxSkew time.Duration
}

// Verified describes a request whose signature checked out.
type Verified struct {
	// Form is the query-string form the signature verified with.
	Form Form
	// Headers is the header-value form it verified with.
	Headers HeaderForm
	// Time is the request's Gladly-Time.
	Time time.Time
	// Signature is the verified signature, 32 bytes: the identity of the request for replay
	// detection (see Replays).
	Signature []byte
}

// Verify reports whether r carries a valid Gladly signature at time now. On failure the error
// wraps one of the package's *Error values. Every check of Check is made before the canonical
// request is built, so a refused request costs work proportional to its own size.
func (v *Verifier) Verify(r *Request, now time.Time) (Verified, error) {
	c, err := v.Check(r, now)
	if err != nil {
		return Verified{}, err
	}
	return v.VerifyChecked(r, c)
}

// Checked is a request that passed Check: its Gladly-Authorization, parsed, and its time.
type Checked struct {
	auth Authorization
	time time.Time
}

// Check makes every check of Verify that does not need the body or the keys' HMACs: the
// headers are present and well formed, the signed ones exist, the query is within bounds and
// Gladly-Time is fresh. A server calls it before reading a body, so that a request that cannot
// verify is refused without reading one, and then VerifyChecked with what it returns.
func (v *Verifier) Check(r *Request, now time.Time) (Checked, error) {
	auth, t, err := v.check(r, now)
	return Checked{auth: auth, time: t}, err
}

// VerifyChecked completes Verify for a request Check passed (with the same Verifier): it
// compares the signature over r, body included, with what each key gives, in each query-string
// form and each header-value form (trimmed first; collapsed only when it differs).
func (v *Verifier) VerifyChecked(r *Request, c Checked) (Verified, error) {
	auth, t := c.auth, c.time
	rawTime := strings.TrimSpace(r.Header.Get(HeaderTime))
	bodyHash := hashHex(r.Body)
	tails := []struct {
		form HeaderForm
		tail []byte
	}{{HeadersTrimmed, canonicalTail(r, auth.SignedHeaders, bodyHash, false)}}
	if collapsed := canonicalTail(r, auth.SignedHeaders, bodyHash, true); !bytes.Equal(collapsed, tails[0].tail) {
		tails = append(tails, struct {
			form HeaderForm
			tail []byte
		}{HeadersCollapsed, collapsed})
	}
	forms := []Form{FormCanonical}
	if r.RawQuery != "" {
		forms = append(forms, FormLegacy)
	}
	for _, form := range forms {
		for _, tl := range tails {
			digest := stringToSign(rawTime, requestHash(r, form, tl.tail))
			for _, key := range v.Keys {
				if hmac.Equal(signature(key, rawTime, digest), auth.Signature) {
					return Verified{Form: form, Headers: tl.form, Time: t, Signature: auth.Signature}, nil
				}
			}
		}
	}
	tried := "the canonical form"
	if len(forms) > 1 {
		tried = "the canonical and the legacy query-string forms"
	}
	if len(tails) > 1 {
		tried += ", with header values trimmed and collapsed,"
	}
	return Verified{}, fmt.Errorf("%w: tried %s of %s %.64q with %d key(s)", ErrMismatch, tried, r.Method, r.Path, len(v.Keys))
}

func (v *Verifier) check(r *Request, now time.Time) (Authorization, time.Time, error) {
	var none Authorization
	if len(v.Keys) == 0 {
		return none, time.Time{}, ErrNoKeys
	}
	rawAuth := r.Header.Get(HeaderAuthorization)
	rawTime := strings.TrimSpace(r.Header.Get(HeaderTime))
	switch {
	case rawAuth == "":
		return none, time.Time{}, fmt.Errorf("%w: no %s", ErrMissingHeader, HeaderAuthorization)
	case rawTime == "":
		return none, time.Time{}, fmt.Errorf("%w: no %s", ErrMissingHeader, HeaderTime)
	}
	auth, err := ParseAuthorization(rawAuth)
	if err != nil {
		return none, time.Time{}, err
	}
	if auth.Algorithm != Algorithm {
		return none, time.Time{}, ErrAlgorithm
	}
	if !slices.Contains(auth.SignedHeaders, "gladly-time") {
		return none, time.Time{}, ErrTimeUnsigned
	}
	for _, name := range auth.SignedHeaders {
		if _, ok := headerValue(r, name); !ok {
			return none, time.Time{}, fmt.Errorf("%w: %.64q", ErrHeaderAbsent, name)
		}
	}
	if n := strings.Count(r.RawQuery, "&") + strings.Count(r.RawQuery, ";") + 1; n > MaxQueryParams {
		return none, time.Time{}, fmt.Errorf("%w: %d parameters, at most %d", ErrQuery, n, MaxQueryParams)
	}
	t, err := time.Parse(TimeLayout, rawTime)
	if err != nil {
		return none, time.Time{}, ErrBadTime
	}
	if v.MaxSkew > 0 {
		if d := now.Sub(t); d > v.MaxSkew || d < -v.MaxSkew {
			return none, time.Time{}, &SkewError{Skew: d}
		}
	}
	return auth, t, nil
}

// SkewError is the failure for a Gladly-Time outside the window; it wraps ErrStale and says by
// how much the time is off (positive: in the past).
type SkewError struct {
	Skew time.Duration
}

func (e *SkewError) Error() string {
	return fmt.Sprintf("%v: off by %s", ErrStale, e.Skew.Round(time.Second))
}

func (e *SkewError) Unwrap() error { return ErrStale }

// Sign returns the Gladly-Authorization value for r signed with key as Gladly's documentation
// says — the canonical query form, header values trimmed — covering every header in r.Header.
// r.Header must already hold Gladly-Time.
func Sign(key []byte, r *Request) (string, error) { return sign(key, r, false) }

// SignCollapsed is Sign with each inner run of white space in a header value collapsed to one
// space, as Gladly's Node sample adaptor computes it: for testing a verifier against that form.
func SignCollapsed(key []byte, r *Request) (string, error) { return sign(key, r, true) }

func sign(key []byte, r *Request, collapse bool) (string, error) {
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
	digest := stringToSign(rawTime, requestHash(r, FormCanonical, canonicalTail(r, names, hashHex(r.Body), collapse)))
	return fmt.Sprintf("SigningAlgorithm=%s, SignedHeaders=%s, Signature=%s",
		Algorithm, strings.Join(names, ";"), hex.EncodeToString(signature(key, rawTime, digest))), nil
}

// FormatTime renders t as a Gladly-Time value.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// The canonical request (docs/protocol.md, Signing, step 1) is a head — method, path and query,
// which differ by
// form — and a tail — the signed headers, their list and the body hash — which every form
// shares, so it is built once. Its size is that of the parts of the request it covers: signed
// was checked (bounded, no name twice) beforehand.

// canonicalTail renders the header lines — each value trimmed, and with collapse its inner runs
// of white space made one space — the empty line, the signed header list and the body hash.
func canonicalTail(r *Request, signed []string, bodyHash string, collapse bool) []byte {
	values := make([]string, len(signed))
	size := len(bodyHash) + 2
	for i, name := range signed {
		values[i], _ = headerValue(r, name)
		size += 2*len(name) + len(values[i]) + 3
	}
	b := make([]byte, 0, size)
	for i, name := range signed {
		b = append(b, name...)
		b = append(b, ':')
		if collapse {
			b = append(b, strings.Join(strings.Fields(values[i]), " ")...)
		} else {
			b = append(b, strings.TrimSpace(values[i])...)
		}
		b = append(b, '\n')
	}
	b = append(b, '\n')
	for i, name := range signed {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, name...)
	}
	b = append(b, '\n')
	return append(b, bodyHash...)
}

// requestHash is the lowercase hex SHA-256 of the canonical request in the given form, whose
// tail is canonicalTail's.
func requestHash(r *Request, form Form, tail []byte) string {
	h := sha256.New()
	query := r.RawQuery
	if form == FormLegacy {
		io.WriteString(h, r.Method+"\n"+r.Path+"?"+r.RawQuery+"\n")
	} else {
		query = canonicalQuery(r.RawQuery)
		io.WriteString(h, r.Method+"\n"+r.Path+"\n")
	}
	io.WriteString(h, query+"\n")
	h.Write(tail)
	return hex.EncodeToString(h.Sum(nil))
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

// stringToSign is step 3 of the signature (docs/protocol.md, Signing), over the canonical
// request's hash.
func stringToSign(rawTime, requestHash string) string {
	return Algorithm + "\n" + rawTime + "\n" + requestHash
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

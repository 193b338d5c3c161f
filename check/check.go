// Package check examines a deployed Lookup Adaptor from outside, as Gladly and an admin would:
// reachable, TLS valid, refusing what is not signed right, and answering signed lookups in time
// with what Gladly accepts. It works against any adaptor, this project's or another's.
package check

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
	"github.com/lookup-adaptor/lookup-adaptor/replay"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// Options say what to check and how to reach it.
type Options struct {
	URL    string // the lookup URL Gladly is configured with
	Key    []byte // the signing key
	Basic  *url.Userinfo
	Header http.Header   // extra static headers, sent (and signed) with every request
	Cases  []replay.Case // replay cases to run as well
	// Customer and Email name a stored customer, so that a populated answer is examined too:
	// a detailed lookup of Customer (or of the first customer found by Email), and searches
	// by Email.
	Customer string
	Email    string
	RootCAs  *x509.CertPool // trusted CAs for an https URL; nil means the system's
	Limit    time.Duration  // the most an answer may take; 0 means 5 s, Gladly's recommendation
	Client   *http.Client   // nil means a client with Limit as its timeout and RootCAs
	Now      func() time.Time
}

// Verdict is how a check came out.
type Verdict int

// The verdicts, from best to worst. Only Fail makes the check command fail: a Warn is something
// Gladly copes with, or a fault in the data rather than the protocol.
const (
	Pass Verdict = iota
	Warn
	Fail
)

// String is the verdict as the checklist prints it.
func (v Verdict) String() string {
	switch v {
	case Pass:
		return "PASS"
	case Warn:
		return "WARN"
	}
	return "FAIL"
}

// Result is one line of the checklist.
type Result struct {
	Name    string
	Verdict Verdict
	Detail  string
	Took    time.Duration
}

// Run runs every check, in order, and returns one Result each.
func Run(ctx context.Context, o Options) []Result {
	if o.Limit <= 0 {
		o.Limit = 5 * time.Second
	}
	client := http.Client{Timeout: o.Limit + 5*time.Second}
	if o.RootCAs != nil {
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12}}
	}
	if o.Client != nil {
		client = *o.Client
	}
	// Gladly follows no redirect; nor does check, so that nothing it signs — and no Basic
	// credentials — goes to another origin.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	o.Client = &client
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &checker{o: o}
	var out []Result
	add := func(r Result) { out = append(out, r) }

	reach := c.reachable(ctx)
	add(reach)
	if reach.Verdict == Fail {
		return finish(out)
	}
	switch {
	case !strings.HasPrefix(o.URL, "https://"):
		add(Result{Name: "TLS", Detail: "not checked: an http URL (Gladly itself calls only HTTPS URLs)"})
	case o.RootCAs != nil:
		add(Result{Name: "TLS certificate valid", Detail: "the handshake verified it against --cacert"})
	default:
		add(Result{Name: "TLS certificate valid", Detail: "the handshake verified it"})
	}
	add(c.refused(ctx, "an unsigned request is refused", func(r *http.Request) {
		r.Header.Del(signing.HeaderAuthorization)
	}, o.Now()))
	add(c.refused(ctx, "a wrongly signed request is refused", func(r *http.Request) {
		a := r.Header.Get(signing.HeaderAuthorization)
		last := "0"
		if strings.HasSuffix(a, "0") {
			last = "1"
		}
		r.Header.Set(signing.HeaderAuthorization, a[:len(a)-1]+last)
	}, o.Now()))
	add(c.refused(ctx, "a stale request (Gladly-Time an hour old) is refused", nil, o.Now().Add(-time.Hour)))

	unknown := "check-" + randomHex(6)
	compact := probe{body: `{"lookupLevel":"BASIC","query":{"id":"` + unknown + `","emails":["` + unknown + `@example.invalid"],"phones":[]},"uniqueMatchRequired":false}`}
	first, autoLink := c.lookup(ctx, "a signed auto-link for an unknown customer is answered", compact)
	add(first)
	add(c.answeredAlike(ctx, "a body that is not compact JSON is answered alike", autoLink, probe{
		// The same query, spaced out and with escaped characters: what Gladly's App Platform
		// templates send. An adaptor that hashes a re-serialised body refuses it.
		body: "{\n  \"lookupLevel\": \"BASIC\",\n  \"query\": {\n    \"id\": \"check\\u002d" + unknown[len("check-"):] +
			"\",\n    \"emails\": [\"check\\u002d" + unknown[len("check-"):] + "@example.invalid\"],\n    \"phones\": []\n  },\n  \"uniqueMatchRequired\": false\n}\n",
	}, "the adaptor hashes re-serialised JSON, not the bytes Gladly signed"))
	add(c.answeredAlike(ctx, "a header value with an inner double space is accepted", autoLink, probe{
		body: compact.body,
		// Gladly's docs trim a header value and keep its inner white space; an adaptor that
		// collapses it refuses a Basic realm or any static header with two spaces in a row.
		header: http.Header{"X-Check-Note": {"two  spaces"}},
	}, "the adaptor collapses inner white space in header values; Gladly's docs only trim them"))
	detailed, _ := c.lookup(ctx, "a signed detailed lookup for an unknown customer is answered",
		probe{detailed: true, body: `{"lookupLevel":"DETAILED","query":{"externalCustomerId":"` + unknown + `","id":"` + unknown + `"},"uniqueMatchRequired":true}`})
	add(detailed)
	out = append(out, c.populated(ctx)...)
	for _, cs := range o.Cases {
		add(c.replay(ctx, cs))
	}
	return finish(out)
}

// finish escapes what the remote chose to print in every detail.
func finish(out []Result) []Result {
	for i := range out {
		out[i].Detail = printable(out[i].Detail)
	}
	return out
}

// printable escapes what a terminal would act on in text a remote chose (a status line, an
// error naming its answer): control characters and the bidirectional overrides, as \x.. or
// \u.....
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

type checker struct{ o Options }

// probe is one signed lookup check sends: its body, any headers beyond the configured ones,
// and whether it is a DETAILED lookup (at most one result).
type probe struct {
	body     string
	header   http.Header
	detailed bool
}

// answer is what came back for a probe.
type answer struct {
	resp *http.Response // its body already read and closed
	body []byte
	took time.Duration
}

// request is p as a signed lookup POST at t, with the configured extras.
func (c *checker) request(ctx context.Context, p probe, t time.Time) (*http.Request, error) {
	u, err := url.Parse(c.o.URL)
	if err != nil {
		return nil, err
	}
	sr, err := signing.NewRequest(c.o.Key, http.MethodPost, u.EscapedPath(), u.RawQuery, []byte(p.body), t)
	if err != nil {
		return nil, err
	}
	for _, extra := range []http.Header{c.o.Header, p.header} {
		for k, vs := range extra {
			sr.Header[http.CanonicalHeaderKey(k)] = vs
		}
	}
	if c.o.Basic != nil {
		pass, _ := c.o.Basic.Password()
		r := &http.Request{Header: sr.Header}
		r.SetBasicAuth(c.o.Basic.Username(), pass)
	}
	sr.Header.Del(signing.HeaderAuthorization)
	auth, err := signing.Sign(c.o.Key, sr)
	if err != nil {
		return nil, err
	}
	sr.Header.Set(signing.HeaderAuthorization, auth)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.o.URL, bytes.NewReader([]byte(p.body)))
	if err != nil {
		return nil, err
	}
	req.Header = sr.Header
	return req, nil
}

// send sends req and reads the answer, timing it.
func (c *checker) send(req *http.Request) (answer, error) {
	start := time.Now()
	resp, err := c.o.Client.Do(req)
	if err != nil {
		return answer{took: time.Since(start)}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return answer{resp: resp, body: body, took: time.Since(start)}, err
}

// sendProbe signs p at the current time and sends it.
func (c *checker) sendProbe(ctx context.Context, p probe) (answer, error) {
	req, err := c.request(ctx, p, c.o.Now())
	if err != nil {
		return answer{}, err
	}
	return c.send(req)
}

func (c *checker) reachable(ctx context.Context) Result {
	r := Result{Name: "the adaptor is reachable", Verdict: Fail}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.o.URL, strings.NewReader("{}"))
	if err != nil {
		r.Detail = err.Error()
		return r
	}
	a, err := c.send(req)
	r.Took = a.took
	switch {
	case err != nil:
		r.Detail = err.Error()
	case redirect(a.resp):
		r.Detail = redirectDetail(a.resp)
	default:
		r.Verdict, r.Detail = Pass, "answered "+a.resp.Status
	}
	return r
}

// redirect reports whether resp sends the client elsewhere.
func redirect(resp *http.Response) bool {
	return resp.StatusCode >= 300 && resp.StatusCode < 400
}

// redirectDetail is the failure of an answer that redirects.
func redirectDetail(resp *http.Response) string {
	return fmt.Sprintf("answered %s to %s: Gladly does not follow redirects, so configure the URL it ends at", resp.Status, text.Truncate(resp.Header.Get("Location"), 200))
}

// refused checks that a request spoilt by spoil, or signed at a wrong time, is refused: any
// 4xx will do (Gladly shows the lookup as failed either way); a 5xx is a crash.
func (c *checker) refused(ctx context.Context, name string, spoil func(*http.Request), at time.Time) Result {
	r := Result{Name: name, Verdict: Fail}
	req, err := c.request(ctx, probe{body: `{"lookupLevel":"BASIC","query":{"emails":["nobody@example.invalid"]},"uniqueMatchRequired":false}`}, at)
	if err != nil {
		r.Detail = err.Error()
		return r
	}
	if spoil != nil {
		spoil(req)
	}
	a, err := c.send(req)
	r.Took = a.took
	switch {
	case err != nil:
		r.Detail = err.Error()
	case redirect(a.resp):
		r.Detail = redirectDetail(a.resp)
	case a.resp.StatusCode >= 500:
		r.Detail = fmt.Sprintf("refused by crashing: answered %s, where a 4xx (401) says the request is at fault", a.resp.Status)
	case a.resp.StatusCode < 400:
		r.Detail = fmt.Sprintf("answered %s: an adaptor that accepts it answers anyone who asks", a.resp.Status)
	case a.resp.StatusCode == http.StatusUnauthorized:
		r.Verdict, r.Detail = Pass, "401"
	default:
		r.Verdict, r.Detail = Pass, fmt.Sprintf("%d (any 4xx refuses it; 401 is the usual answer)", a.resp.StatusCode)
	}
	return r
}

// lookup sends the signed probe p and judges its answer by Gladly's rules, returning the
// answer too when one came back.
func (c *checker) lookup(ctx context.Context, name string, p probe) (Result, *answer) {
	r := Result{Name: name, Verdict: Fail}
	a, err := c.sendProbe(ctx, p)
	r.Took = a.took
	if err != nil {
		r.Detail = err.Error()
		return r, nil
	}
	r.Verdict, r.Detail = c.judge(a, p.detailed, "200, results only, strings only")
	if a.resp.StatusCode != http.StatusOK {
		return r, nil
	}
	return r, &a
}

// judge is the verdict on an answer to a signed lookup, and what it says: pass saying ok when
// nothing is wrong.
func (c *checker) judge(a answer, detailed bool, ok string) (Verdict, string) {
	var j judgement
	switch {
	case redirect(a.resp):
		j.fail(redirectDetail(a.resp))
	case a.resp.StatusCode != http.StatusOK:
		j.fail("answered " + a.resp.Status + ", want 200 OK")
	default:
		j.answer(a.resp.Header.Get("Content-Type"), a.body, detailed)
	}
	if a.took > c.o.Limit {
		j.fail(fmt.Sprintf("took %s, more than %s", a.took.Round(time.Millisecond), c.o.Limit))
	}
	return j.verdict(ok)
}

// answeredAlike sends p, a variant of a probe that got want, and checks that it gets the same
// answer; if it is refused where the probe was not, why names the likely cause.
func (c *checker) answeredAlike(ctx context.Context, name string, want *answer, p probe, why string) Result {
	r := Result{Name: name, Verdict: Fail}
	if want == nil {
		r.Verdict, r.Detail = Warn, "not checked: the compact probe itself was not answered 200"
		return r
	}
	a, err := c.sendProbe(ctx, p)
	r.Took = a.took
	switch {
	case err != nil:
		r.Detail = err.Error()
	case a.resp.StatusCode >= 400 && a.resp.StatusCode < 500:
		r.Detail = fmt.Sprintf("refused with %s where the compact request was answered 200: %s", a.resp.Status, why)
	case a.resp.StatusCode == http.StatusOK && !sameJSON(a.body, want.body):
		r.Detail = "answered differently from the compact request: " + text.Truncate(string(a.body), 200)
	default:
		r.Verdict, r.Detail = c.judge(a, false, "answered as the compact request was")
	}
	return r
}

// replay runs one recorded case against the adaptor.
func (c *checker) replay(ctx context.Context, cs replay.Case) Result {
	r := Result{Name: "case " + cs.Name, Verdict: Fail}
	if cs.Skip != "" {
		r.Verdict, r.Detail = Warn, "not run: "+cs.Skip
		return r
	}
	start := time.Now()
	_, err := cs.Do(ctx, c.o.Client, c.o.URL, c.o.Key, c.o.Now())
	r.Took = time.Since(start)
	switch {
	case err != nil:
		r.Detail = err.Error()
	case r.Took > c.o.Limit:
		r.Detail = fmt.Sprintf("took %s, more than %s", r.Took.Round(time.Millisecond), c.o.Limit)
	default:
		r.Verdict, r.Detail = Pass, "as recorded"
	}
	return r
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Failed reports whether any result failed.
func Failed(results []Result) bool {
	for _, r := range results {
		if r.Verdict == Fail {
			return true
		}
	}
	return false
}

// ErrFailed is what the check command returns when a check failed.
var ErrFailed = errors.New("check: some checks failed")

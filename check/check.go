// Package check examines a deployed Lookup Adaptor from outside, as Gladly and an admin would:
// reachable, TLS valid, refusing what is not signed right, and answering signed lookups in time
// with what Gladly accepts. It works against any adaptor, this project's or another's.
package check

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
	"github.com/lookup-adaptor/lookup-adaptor/replay"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
	"github.com/lookup-adaptor/lookup-adaptor/wirerules"
)

// Options say what to check and how to reach it.
type Options struct {
	URL    string // the lookup URL Gladly is configured with
	Key    []byte // the signing key
	Basic  *url.Userinfo
	Header http.Header   // extra static headers, sent (and signed) with every request
	Cases  []replay.Case // replay cases to run as well
	Limit  time.Duration // the most an answer may take; 0 means 5 s, Gladly's recommendation
	Client *http.Client  // nil means a client with Limit as its timeout
	Now    func() time.Time
}

// Result is one line of the checklist.
type Result struct {
	Name   string
	OK     bool
	Detail string
	Took   time.Duration
}

// Run runs every check, in order, and returns one Result each.
func Run(ctx context.Context, o Options) []Result {
	if o.Limit <= 0 {
		o.Limit = 5 * time.Second
	}
	client := http.Client{Timeout: o.Limit + 5*time.Second}
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
	if !reach.OK {
		return out
	}
	if strings.HasPrefix(o.URL, "https://") {
		add(Result{Name: "TLS certificate valid", OK: true, Detail: "the handshake verified it"})
	} else {
		add(Result{Name: "TLS", OK: true, Detail: "not checked: an http URL (Gladly itself calls only HTTPS URLs)"})
	}
	add(c.refused(ctx, "an unsigned request is refused with 401", func(r *http.Request) {
		r.Header.Del(signing.HeaderAuthorization)
	}, o.Now()))
	add(c.refused(ctx, "a wrongly signed request is refused with 401", func(r *http.Request) {
		a := r.Header.Get(signing.HeaderAuthorization)
		last := "0"
		if strings.HasSuffix(a, "0") {
			last = "1"
		}
		r.Header.Set(signing.HeaderAuthorization, a[:len(a)-1]+last)
	}, o.Now()))
	add(c.refused(ctx, "a stale request (Gladly-Time an hour old) is refused with 401", nil, o.Now().Add(-time.Hour)))
	unknown := "check-" + randomHex(6)
	add(c.lookup(ctx, "a signed auto-link for an unknown customer is answered", false,
		`{"lookupLevel":"BASIC","query":{"id":"`+unknown+`","emails":["`+unknown+`@example.invalid"],"phones":[]},"uniqueMatchRequired":false}`))
	add(c.lookup(ctx, "a signed detailed lookup for an unknown customer is answered", true,
		`{"lookupLevel":"DETAILED","query":{"externalCustomerId":"`+unknown+`","id":"`+unknown+`"},"uniqueMatchRequired":true}`))
	for _, cs := range o.Cases {
		add(c.replay(ctx, cs))
	}
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

// request is a signed lookup POST of body at t, with the configured extras.
func (c *checker) request(ctx context.Context, body string, t time.Time) (*http.Request, error) {
	u, err := url.Parse(c.o.URL)
	if err != nil {
		return nil, err
	}
	sr, err := signing.NewRequest(c.o.Key, http.MethodPost, u.EscapedPath(), u.RawQuery, []byte(body), t)
	if err != nil {
		return nil, err
	}
	for k, vs := range c.o.Header {
		sr.Header[http.CanonicalHeaderKey(k)] = vs
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.o.URL, bytes.NewReader([]byte(body)))
	if err != nil {
		return nil, err
	}
	req.Header = sr.Header
	return req, nil
}

// send sends req and reads the answer, timing it.
func (c *checker) send(req *http.Request) (*http.Response, []byte, time.Duration, error) {
	start := time.Now()
	resp, err := c.o.Client.Do(req)
	if err != nil {
		return nil, nil, time.Since(start), err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return resp, body, time.Since(start), err
}

func (c *checker) reachable(ctx context.Context) Result {
	r := Result{Name: "the adaptor is reachable"}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.o.URL, strings.NewReader("{}"))
	if err != nil {
		r.Detail = err.Error()
		return r
	}
	resp, _, took, err := c.send(req)
	r.Took = took
	if err != nil {
		r.Detail = err.Error()
		return r
	}
	if redirect(resp) {
		r.Detail = redirectDetail(resp)
		return r
	}
	r.OK, r.Detail = true, "answered "+resp.Status
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

func (c *checker) refused(ctx context.Context, name string, spoil func(*http.Request), at time.Time) Result {
	r := Result{Name: name}
	req, err := c.request(ctx, `{"lookupLevel":"BASIC","query":{"emails":["nobody@example.invalid"]},"uniqueMatchRequired":false}`, at)
	if err != nil {
		r.Detail = err.Error()
		return r
	}
	if spoil != nil {
		spoil(req)
	}
	resp, _, took, err := c.send(req)
	r.Took = took
	switch {
	case err != nil:
		r.Detail = err.Error()
	case redirect(resp):
		r.Detail = redirectDetail(resp)
	case resp.StatusCode != http.StatusUnauthorized:
		r.Detail = fmt.Sprintf("answered %s: an adaptor that accepts it answers anyone who asks", resp.Status)
	default:
		r.OK, r.Detail = true, "401"
	}
	return r
}

// lookup sends a signed lookup and checks the answer against Gladly's rules.
func (c *checker) lookup(ctx context.Context, name string, detailed bool, body string) Result {
	r := Result{Name: name}
	req, err := c.request(ctx, body, c.o.Now())
	if err != nil {
		r.Detail = err.Error()
		return r
	}
	resp, answer, took, err := c.send(req)
	r.Took = took
	if err != nil {
		r.Detail = err.Error()
		return r
	}
	var problems []string
	if redirect(resp) {
		r.Detail = redirectDetail(resp)
		return r
	}
	if resp.StatusCode != http.StatusOK {
		problems = append(problems, "answered "+resp.Status+", want 200 OK")
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		problems = append(problems, fmt.Sprintf("Content-Type %q, want application/json", resp.Header.Get("Content-Type")))
	}
	if resp.StatusCode == http.StatusOK {
		problems = append(problems, wirerules.Problems(answer, detailed)...)
	}
	if took > c.o.Limit {
		problems = append(problems, fmt.Sprintf("took %s, more than %s", took.Round(time.Millisecond), c.o.Limit))
	}
	r.OK, r.Detail = len(problems) == 0, strings.Join(problems, "; ")
	if r.OK {
		r.Detail = "200, results only, strings only"
	}
	return r
}

// replay runs one recorded case against the adaptor.
func (c *checker) replay(ctx context.Context, cs replay.Case) Result {
	r := Result{Name: "case " + cs.Name}
	start := time.Now()
	_, err := cs.Do(ctx, c.o.Client, c.o.URL, c.o.Key, c.o.Now())
	r.Took = time.Since(start)
	switch {
	case err != nil:
		r.Detail = err.Error()
	case r.Took > c.o.Limit:
		r.Detail = fmt.Sprintf("took %s, more than %s", r.Took.Round(time.Millisecond), c.o.Limit)
	default:
		r.OK, r.Detail = true, "as recorded"
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
		if !r.OK {
			return true
		}
	}
	return false
}

// ErrFailed is what the check command returns when a check failed.
var ErrFailed = errors.New("check: some checks failed")

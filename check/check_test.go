package check_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/check"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

const key = "check-test-key"

// ours is this project's adaptor over the demo customers.
func ours(t *testing.T) http.Handler {
	t.Helper()
	norm, _ := phone.NewNormalizer("US")
	m, err := memory.FromFiles(context.Background(), norm, "../testdata/seed/demo.json")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := adaptor.New(adaptor.Options{Verifier: &signing.Verifier{Keys: [][]byte{[]byte(key)}, MaxSkew: 5 * time.Minute},
		Store: m, Normalizer: norm}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// withVerdict names the checks of results with verdict v, with their details.
func withVerdict(results []check.Result, v check.Verdict) []string {
	var out []string
	for _, r := range results {
		if r.Verdict == v {
			out = append(out, r.Name+": "+r.Detail)
		}
	}
	return out
}

func failed(results []check.Result) []string { return withVerdict(results, check.Fail) }

// verdictOf is the verdict of the check whose name starts with name.
func verdictOf(t *testing.T, results []check.Result, name string) check.Result {
	t.Helper()
	for _, r := range results {
		if strings.HasPrefix(r.Name, name) {
			return r
		}
	}
	t.Fatalf("no check named %q", name)
	return check.Result{}
}

func run(t *testing.T, h http.Handler, customer, email string) []check.Result {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return check.Run(context.Background(), check.Options{URL: srv.URL + "/lookup", Key: []byte(key), Limit: 300 * time.Millisecond,
		Customer: customer, Email: email})
}

// Our own adaptor passes every check, the populated ones included, with no warning: the demo
// data is what Gladly reads fully. ada@example.com belongs to two demo customers, so the search
// with uniqueMatchRequired is answered with none.
func TestOurAdaptorPasses(t *testing.T) {
	for _, who := range [][2]string{{"", ""}, {"C-1003", "ada@example.com"}, {"", "ada@example.com"}} {
		results := run(t, ours(t), who[0], who[1])
		if len(results) < 9 {
			t.Errorf("only %d checks: %+v", len(results), results)
		}
		for _, r := range results {
			if r.Verdict != check.Pass {
				t.Errorf("our adaptor, %q: %s %s: %s", who, r.Verdict, r.Name, r.Detail)
			}
		}
		if who[1] == "" {
			continue
		}
		if r := verdictOf(t, results, "a search by --email with uniqueMatchRequired"); r.Detail != "0 results" {
			t.Errorf("a shared email with uniqueMatchRequired: %s", r.Detail)
		}
		// --customer is looked up in detail; without it, the first customer the search found.
		want := "a detailed lookup of " + cmp.Or(who[0], "C-1001")
		if r := verdictOf(t, results, want); r.Verdict != check.Pass {
			t.Errorf("%s: %+v", want, r)
		}
	}
}

// lookupPractice behaves as Gladly's Node sample adaptor (gladly/lookup-practice) does: it
// hashes the body re-serialised as compact JSON, collapses white space inside header values,
// never checks Gladly-Time, crashes (500) on a request without a signature, refuses a bad one
// with 403, and answers with Content-Type text/html.
func lookupPractice() http.Handler {
	v := &signing.Verifier{Keys: [][]byte{[]byte(key)}} // MaxSkew 0: no time check
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(signing.HeaderAuthorization) == "" {
			http.Error(w, "TypeError: Cannot read properties of undefined (reading 'split')", http.StatusInternalServerError)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		header := r.Header.Clone()
		for _, vs := range header {
			for i := range vs {
				vs[i] = strings.Join(strings.Fields(vs[i]), " ")
			}
		}
		req := &signing.Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: header,
			Body: stringify(raw)}
		if _, err := v.Verify(req, time.Now()); err != nil {
			http.Error(w, "Forbidden", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `{"results":[]}`)
	})
}

// stringify re-serialises a JSON body as JSON.stringify(JSON.parse(raw)) does: compact, keys in
// their order, strings with only the escapes JSON needs.
func stringify(raw []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out bytes.Buffer
	type container struct {
		object bool
		n      int // tokens written in it
	}
	var open []container
	for {
		tok, err := dec.Token()
		if err != nil {
			return out.Bytes()
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			open = open[:len(open)-1]
			out.WriteByte(byte(d))
			continue
		}
		if len(open) > 0 {
			top := &open[len(open)-1]
			switch {
			case top.n > 0 && top.object && top.n%2 == 1:
				out.WriteByte(':')
			case top.n > 0:
				out.WriteByte(',')
			}
			top.n++
		}
		switch v := tok.(type) {
		case json.Delim:
			out.WriteByte(byte(v))
			open = append(open, container{object: v == '{'})
		case string:
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(v)
			out.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
		default:
			b, _ := json.Marshal(v)
			out.Write(b)
		}
	}
}

// check against lookup-practice's behaviours: the body-hash and header bugs, the missing time
// check and the crash are failures; text/html is a warning; a 403 refusal passes.
func TestLookupPractice(t *testing.T) {
	results := run(t, lookupPractice(), "", "")
	for name, want := range map[string]struct {
		verdict check.Verdict
		detail  string
	}{
		"an unsigned request is refused":                   {check.Fail, "refused by crashing: answered 500"},
		"a wrongly signed request is refused":              {check.Pass, "403 (any 4xx refuses it"},
		"a stale request":                                  {check.Fail, "answered 200 OK: an adaptor that accepts it"},
		"a signed auto-link for an unknown customer":       {check.Warn, `Content-Type "text/html; charset=utf-8", want application/json`},
		"a signed detailed lookup for an unknown customer": {check.Warn, `Content-Type "text/html; charset=utf-8"`},
		"a body that is not compact JSON":                  {check.Fail, "refused with 403 Forbidden where the compact request was answered 200: the adaptor hashes re-serialised JSON"},
		"a header value with an inner double space":        {check.Fail, "refused with 403 Forbidden where the compact request was answered 200: the adaptor collapses inner white space"},
		"the adaptor is reachable":                         {check.Pass, "answered 500"},
	} {
		r := verdictOf(t, results, name)
		if r.Verdict != want.verdict || !strings.HasPrefix(r.Detail, want.detail) {
			t.Errorf("%s: %s %q, want %s %q…", name, r.Verdict, r.Detail, want.verdict, want.detail)
		}
	}
	if !check.Failed(results) {
		t.Error("lookup-practice passes")
	}
}

// answering is an adaptor that checks signatures as ours does and then answers every verified
// lookup with body (chosen by the request's uniqueMatchRequired) as contentType, after delay.
func answering(t *testing.T, contentType string, delay time.Duration, body func(unique bool) string) http.Handler {
	real := ours(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(raw))
		rec := httptest.NewRecorder()
		real.ServeHTTP(rec, r)
		if rec.Code == http.StatusUnauthorized {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var req struct {
			Unique bool `json:"uniqueMatchRequired"`
		}
		_ = json.Unmarshal(raw, &req)
		time.Sleep(delay)
		w.Header().Set("Content-Type", contentType)
		_, _ = io.WriteString(w, body(req.Unique))
	})
}

func always(body string) func(bool) string { return func(bool) string { return body } }

// order is an answer with one customer, C-1, holding one ORDER with the given createdAt and
// orderTotal, and otherwise ready.
func order(createdAt, total string) string {
	return `{"results":[{"externalCustomerId":"C-1","transactions":[{"type":"ORDER","orderNumber":"1","createdAt":"` + createdAt +
		`","orderStatus":"Shipped","orderTotal":"` + total + `","currencyCode":"USD","products":[{"id":"p1","name":"Mug"}],` +
		`"fulfillments":[{"status":"Shipped","trackingNumber":"Z1","productIds":["p1"]}]}]}]}`
}

// Fake adaptors, each wrong in one way, get the verdict that says so — FAIL for what breaks the
// protocol, WARN for what Gladly copes with or what is wrong with the data.
func TestFakes(t *testing.T) {
	const ready = "2026-10-05T17:00:00Z"
	for name, tc := range map[string]struct {
		h       http.Handler
		verdict check.Verdict
		want    string
	}{
		"HTML content type":    {answering(t, "text/html", 0, always(order(ready, "$12.00"))), check.Warn, `a signed auto-link for an unknown customer is answered: Content-Type "text/html", want application/json`},
		"numbers, not strings": {answering(t, "application/json", 0, always(`{"results":[{"externalCustomerId":7,"points":12}]}`)), check.Fail, "is a number, not a string"},
		"no signature check": {http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"results":[]}`)
		}), check.Fail, "an unsigned request is refused: answered 200 OK"},
		"too slow":             {answering(t, "application/json", 500*time.Millisecond, always(`{"results":[]}`)), check.Fail, "more than 300ms"},
		"two detailed results": {answering(t, "application/json", 0, always(`{"results":[{"externalCustomerId":"A"},{"externalCustomerId":"B"}]}`)), check.Fail, "at most one result"},
		"extra top-level key":  {answering(t, "application/json", 0, always(`{"results":[],"debug":"x"}`)), check.Fail, "the only top-level key must be results"},
		"uniqueMatchRequired ignored": {answering(t, "application/json", 0, always(`{"results":[{"externalCustomerId":"C-1"},{"externalCustomerId":"C-2"}]}`)),
			check.Fail, "a search by --email with uniqueMatchRequired answers one at most: 2 results: uniqueMatchRequired is ignored"},
		"a phone without a type": {answering(t, "application/json", 0, always(`{"results":[{"externalCustomerId":"C-1","phones":[{"original":"+15550100"}]}]}`)),
			check.Fail, "a phone's type must be MOBILE, HOME, OFFICE or OTHER"},
		"a date that is not ISO 8601": {answering(t, "application/json", 0, always(order("10/05/2026", "$12.00"))),
			check.Warn, `customer C-1 transaction 1: createdAt: "10/05/2026" is not an ISO 8601 date`},
		"a date-only createdAt": {answering(t, "application/json", 0, always(order("2026-10-05", "$12.00"))),
			check.Warn, "customer C-1 transaction 1 (ORDER 1) lacks " + transactions.RuleDateTimes},
		"a thousands separator": {answering(t, "application/json", 0, always(order(ready, "£1,200.00"))),
			check.Warn, "customer C-1 transaction 1 (ORDER 1) lacks " + transactions.RuleMoney},
		"a detailed lookup answering another customer": {answering(t, "application/json", 0, always(`{"results":[{"externalCustomerId":"C-2"}]}`)),
			check.Fail, "a detailed lookup of C-1 answers that customer: answered customer C-2"},
		"no customer found": {answering(t, "application/json", 0, always(`{"results":[]}`)),
			check.Fail, "a search by --email finds its customers: no result"},
	} {
		results := run(t, tc.h, "C-1", "someone@example.com")
		got := withVerdict(results, tc.verdict)
		if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, tc.want) }) {
			t.Errorf("%s: %s checks\n%s\nwant one saying %q", name, tc.verdict, strings.Join(got, "\n"), tc.want)
		}
		if tc.verdict == check.Warn && check.Failed(results) {
			t.Errorf("%s: a warning, but failed: %v", name, failed(results))
		}
	}
	// A ready order passes, populated answers included.
	results := run(t, answering(t, "application/json", 0, func(unique bool) string { return order(ready, "$1200.00") }), "C-1", "someone@example.com")
	for _, r := range results {
		if r.Verdict != check.Pass {
			t.Errorf("a ready order: %s %s: %s", r.Verdict, r.Name, r.Detail)
		}
	}
	results = check.Run(context.Background(), check.Options{URL: "http://127.0.0.1:1/lookup", Key: []byte(key)})
	if len(results) != 1 || results[0].Verdict != check.Fail {
		t.Errorf("nothing listening: %+v", results)
	}
}

// --cacert: a certificate from a private CA is trusted once given, and not before.
func TestPrivateCA(t *testing.T) {
	srv := httptest.NewUnstartedServer(ours(t))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	results := check.Run(context.Background(), check.Options{URL: srv.URL + "/lookup", Key: []byte(key), RootCAs: pool})
	if f := failed(results); len(f) > 0 || verdictOf(t, results, "TLS certificate valid").Verdict != check.Pass {
		t.Errorf("with the CA: failed %v", f)
	}
	results = check.Run(context.Background(), check.Options{URL: srv.URL + "/lookup", Key: []byte(key)})
	if len(results) != 1 || results[0].Verdict != check.Fail || !strings.Contains(results[0].Detail, "certificate") {
		t.Errorf("without the CA: %+v", results)
	}
}

// check follows no redirect — so nothing it signs, and no Basic credentials, reach another
// origin — and fails the adaptor that answers with one.
func TestCheckFollowsNoRedirect(t *testing.T) {
	var hits atomic.Int64
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer elsewhere.Close()
	redirecting := httptest.NewServer(http.RedirectHandler(elsewhere.URL+"/lookup", http.StatusTemporaryRedirect))
	defer redirecting.Close()
	results := check.Run(context.Background(), check.Options{URL: redirecting.URL + "/lookup", Key: []byte(key), Basic: url.UserPassword("gladly", "pw")})
	if f := strings.Join(failed(results), "\n"); !strings.Contains(f, "Gladly does not follow redirects") {
		t.Errorf("a redirecting adaptor: failed checks\n%s", f)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the redirect's target got %d requests", n)
	}
}

// What a remote chose to print (its status line) is escaped before check shows it: no terminal
// control sequence passes through.
func TestCheckEscapesWhatTheRemotePrints(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_, _ = http.ReadRequest(bufio.NewReader(conn))
				_, _ = io.WriteString(conn, "HTTP/1.1 200 \x1b[2J\x1b]0;owned\x07\u202eOK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			}()
		}
	}()
	results := check.Run(context.Background(), check.Options{URL: "http://" + ln.Addr().String() + "/lookup", Key: []byte(key)})
	for _, r := range results {
		if strings.ContainsAny(r.Detail, "\x1b\x07\u202e") {
			t.Errorf("%s: the detail passes control characters through: %q", r.Name, r.Detail)
		}
	}
	if !strings.Contains(results[0].Detail, `\x1b[2J`) {
		t.Errorf("the status line is not shown escaped: %q", results[0].Detail)
	}
}

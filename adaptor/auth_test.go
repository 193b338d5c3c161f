package adaptor_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

const (
	emptyBody    = `{"lookupLevel":"BASIC","query":{"id":"Qx7rT2mLQkGz1pWcYb3dNa","emails":[]},"uniqueMatchRequired":false}`
	unauthorized = `{"errors":[{"code":"unauthorized","detail":"the request is not signed or authenticated as this adaptor requires"}]}`
)

func setAuthParam(param, value string) func(*http.Request) {
	return func(r *http.Request) {
		a := r.Header.Get("Gladly-Authorization")
		start := strings.Index(a, param+"=") + len(param) + 1
		end := strings.Index(a[start:], ",")
		if end < 0 {
			end = len(a) - start
		}
		r.Header.Set("Gladly-Authorization", a[:start]+value+a[start+end:])
	}
}

func TestSignedRequestIsAnswered(t *testing.T) {
	h := start(t, adaptor.Options{})
	resp, body := h.send(t, request{body: []byte(emptyBody)})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

// Every authentication failure gets the same 401 body, whatever the reason.
func TestSignatureFailuresAreUniform401(t *testing.T) {
	h := start(t, adaptor.Options{})
	body := []byte(emptyBody)
	cases := map[string]request{
		"wrong key":     {body: body, key: "some-other-key"},
		"tampered body": {body: body, edit: func(r *http.Request) { r.Body = nopBody(strings.Replace(emptyBody, "BASIC", "BASIX", 1)) }},
		"missing time":  {body: body, edit: func(r *http.Request) { r.Header.Del("Gladly-Time") }},
		"missing authorization": {body: body, edit: func(r *http.Request) {
			r.Header.Del("Gladly-Authorization")
		}},
		"malformed authorization":  {body: body, edit: func(r *http.Request) { r.Header.Set("Gladly-Authorization", "Bearer xyz") }},
		"malformed time":           {body: body, edit: func(r *http.Request) { r.Header.Set("Gladly-Time", "yesterday") }},
		"unknown algorithm":        {body: body, edit: setAuthParam("SigningAlgorithm", "hmac-md5")},
		"gladly-time not signed":   {body: body, edit: setAuthParam("SignedHeaders", "accept;content-type")},
		"signed header missing":    {body: body, edit: func(r *http.Request) { r.Header.Del("Accept") }},
		"signed header changed":    {body: body, edit: func(r *http.Request) { r.Header.Set("Gladly-Correlation-Id", "other") }},
		"stale time":               {body: body, at: testNow.Add(-6 * time.Minute)},
		"future time":              {body: body, at: testNow.Add(6 * time.Minute)},
		"signature not hex":        {body: body, edit: setAuthParam("Signature", strings.Repeat("g", 64))},
		"path differs from signed": {body: body, edit: func(r *http.Request) { r.URL.RawQuery = "x=1" }},
	}
	for name, rq := range cases {
		t.Run(name, func(t *testing.T) {
			resp, got := h.send(t, rq)
			if resp.StatusCode != http.StatusUnauthorized || string(got) != unauthorized {
				t.Errorf("got %d %s, want 401 %s", resp.StatusCode, got, unauthorized)
			}
		})
	}
	// Still serving after all of them.
	if status, body := h.post(t, emptyBody); status != http.StatusOK {
		t.Fatalf("after failures: %d %s", status, body)
	}
}

func TestKeyRotationAndSkewOff(t *testing.T) {
	h := start(t, adaptor.Options{Verifier: &signing.Verifier{
		Keys:    [][]byte{[]byte("new-key"), []byte(testKey)},
		MaxSkew: 0,
	}})
	if resp, body := h.send(t, request{body: []byte(emptyBody), key: "new-key"}); resp.StatusCode != http.StatusOK {
		t.Errorf("first key: %d %s", resp.StatusCode, body)
	}
	if resp, body := h.send(t, request{body: []byte(emptyBody)}); resp.StatusCode != http.StatusOK {
		t.Errorf("second key: %d %s", resp.StatusCode, body)
	}
	old := testNow.AddDate(0, -3, 0)
	if resp, body := h.send(t, request{body: []byte(emptyBody), at: old}); resp.StatusCode != http.StatusOK {
		t.Errorf("max_skew 0 must accept a recorded request: %d %s", resp.StatusCode, body)
	}
}

func TestBasicAuth(t *testing.T) {
	h := start(t, adaptor.Options{Basic: adaptor.BasicAuth{Username: "gladly", Password: "s3cret", Realm: "lookup"}})
	basic := func(user, pass string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(user, pass) }
	}
	for name, edit := range map[string]func(*http.Request){
		"none":           nil,
		"wrong password": basic("gladly", "s3creT"),
		"wrong user":     basic("gladlY", "s3cret"),
		"prefix":         basic("gladly", "s3cre"),
		"not basic":      func(r *http.Request) { r.Header.Set("Authorization", "Bearer s3cret") },
	} {
		resp, body := h.send(t, request{body: []byte(emptyBody), edit: edit})
		if resp.StatusCode != http.StatusUnauthorized || string(body) != unauthorized {
			t.Errorf("%s: got %d %s", name, resp.StatusCode, body)
		}
		if got := resp.Header.Get("WWW-Authenticate"); got != `Basic realm="lookup"` {
			t.Errorf("%s: WWW-Authenticate %q", name, got)
		}
	}
	// Gladly signs Authorization too when Basic credentials are configured.
	resp, body := h.send(t, request{body: []byte(emptyBody), edit: func(r *http.Request) {
		r.SetBasicAuth("gladly", "s3cret")
	}})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("right credentials: %d %s", resp.StatusCode, body)
	}
	assertLogsOmit(t, h, "s3cret", base64.StdEncoding.EncodeToString([]byte("gladly:s3cret")))
}

func TestBasicCredentialsAreSigned(t *testing.T) {
	h := start(t, adaptor.Options{Basic: adaptor.BasicAuth{Username: "gladly", Password: "s3cret"}})
	creds := "Basic " + base64.StdEncoding.EncodeToString([]byte("gladly:s3cret"))
	// Sign a request whose Authorization header is part of the signature, as Gladly does.
	resp, body := h.send(t, request{body: []byte(emptyBody), edit: func(r *http.Request) {
		r.Header.Set("Authorization", creds)
		resign(t, r, []byte(emptyBody))
	}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("signed Authorization: %d %s", resp.StatusCode, body)
	}
	// The right credentials sent where Gladly signed other ones fail the signature.
	resp, _ = h.send(t, request{body: []byte(emptyBody), edit: func(r *http.Request) {
		r.SetBasicAuth("other", "pair")
		resign(t, r, []byte(emptyBody))
		r.Header.Set("Authorization", creds)
	}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("credentials swapped after signing: %d", resp.StatusCode)
	}
}

func TestConfigurablePaths(t *testing.T) {
	h := start(t, adaptor.Options{Path: "/gladly/lookup"})
	if resp, _ := h.send(t, request{body: []byte(emptyBody)}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("old path: %d, want 404", resp.StatusCode)
	}
	if resp, body := h.send(t, request{path: "/gladly/lookup", body: []byte(emptyBody)}); resp.StatusCode != http.StatusOK {
		t.Errorf("configured path: %d %s", resp.StatusCode, body)
	}

	// Behind a proxy that rewrites /lookup to /internal/lookup, Gladly signed /lookup.
	p := start(t, adaptor.Options{Path: "/internal/lookup", SigningPath: "/lookup"})
	resp, body := p.send(t, request{body: []byte(emptyBody), edit: func(r *http.Request) {
		r.URL.Path = "/internal/lookup"
	}})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("signing path: %d %s", resp.StatusCode, body)
	}
}

// Gladly's documented signing trims header values only (so does its App Platform signer);
// Gladly's Node sample also collapses inner white space. Both are accepted, and the metrics say
// which verified. The body is hashed as it travels, pretty-printed and escaped as it may be.
func TestHeaderValueFormsAndBodyAsSent(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := start(t, adaptor.Options{Metrics: adaptor.NewMetrics(reg), Basic: adaptor.BasicAuth{Username: "gladly", Password: "s3cret", Realm: "Acme  Support"}})
	pretty := "{\n  \"lookupLevel\": \"BASIC\",\n  \"query\": {\"id\": \"Qx7\", \"emails\": [\"ada\\u0040example.com\"]},\n  \"uniqueMatchRequired\": false\n}\n"
	trimmed := func(r *http.Request) {
		r.SetBasicAuth("gladly", "s3cret")
		r.Header.Set("Www-Authenticate", `Basic realm="Acme  Support"`) // an inner double space
		resign(t, r, []byte(pretty))
	}
	if resp, body := h.send(t, request{body: []byte(pretty), edit: trimmed}); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "C-1001") {
		t.Errorf("signed trimmed, as Gladly documents, over a pretty-printed body: %d %s", resp.StatusCode, body)
	}
	collapsed := func(r *http.Request) {
		r.SetBasicAuth("gladly", "s3cret")
		r.Header.Set("X-Gladly-Extra", "one  two\tthree")
		auth, err := signing.SignCollapsed([]byte(testKey), &signing.Request{Method: r.Method, Path: r.URL.Path, Header: r.Header, Body: []byte(pretty)})
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Gladly-Authorization", auth)
		r.Header.Set("X-Gladly-Extra", "  one two   three ") // white space changed on the way
	}
	if resp, body := h.send(t, request{body: []byte(pretty), edit: collapsed}); resp.StatusCode != http.StatusOK {
		t.Errorf("signed collapsed, as Gladly's Node sample does: %d %s", resp.StatusCode, body)
	}
	for _, form := range []string{"trimmed", "collapsed"} {
		if n := metricValue(t, reg, "lookup_adaptor_signature_verified_total", map[string]string{"headers": form}); n != 1 {
			t.Errorf("signatures verified with header values %s: %v, want 1", form, n)
		}
	}
}

func TestNoSecretsInLogs(t *testing.T) {
	h := start(t, adaptor.Options{})
	h.send(t, request{body: []byte(`{"query":{"emails":["ada@example.com"]}}`), key: "wrong"})
	h.send(t, request{body: []byte(`{"query":{"emails":["ada@example.com"]}}`)})
	assertLogsOmit(t, h, testKey, "ada@example.com", "Signature=")
	if len(h.logs.All()) < 2 {
		t.Fatalf("want a log line per request, got %d", len(h.logs.All()))
	}
}

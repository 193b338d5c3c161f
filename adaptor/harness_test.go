package adaptor_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
)

// testKey signs every request the tests send unless a test says otherwise.
const testKey = "test-signing-key-do-not-use-in-production"

// testNow is the fixed clock of the server under test.
var testNow = time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)

// harness is a real server on a random loopback port — the listener and http.Server serve
// builds — its clock fixed at testNow.
type harness struct {
	url  string
	addr string
	logs *observer.ObservedLogs
	// busy counts requests inside the server. The server logs and counts a request after its
	// answer reached the client, so a test waits for busy to reach zero before reading them.
	busy *atomic.Int64
}

// settle waits until the server has finished every request it received: logged and counted.
func (h *harness) settle(t testing.TB) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); h.busy.Load() > 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the server did not finish its requests within 5s")
		}
	}
}

// testNorm normalises phones as the default configuration does.
var testNorm = func() *store.Normalizer {
	n, err := phone.NewNormalizer("US")
	if err != nil {
		panic(err)
	}
	return n
}()

// demoSeed is the seed every lookup test answers from.
const demoSeed = "../testdata/seed/demo.json"

// loadDemo loads the demo seed into a backend.
func loadDemo(t testing.TB, l store.Loader) {
	t.Helper()
	f, err := os.Open(demoSeed)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := l.Load(context.Background(), seedfile.Read(f, demoSeed), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
}

// start runs a Server built from opts. Verifier defaults to testKey with a 5-minute window;
// Store to the demo seed in memory.
func start(t *testing.T, opts adaptor.Options) *harness {
	t.Helper()
	return startCapped(t, opts, maxConns)
}

// startCapped is start with a listener that keeps at most conns connections open.
func startCapped(t *testing.T, opts adaptor.Options, conns int) *harness {
	t.Helper()
	if opts.Verifier == nil {
		opts.Verifier = &signing.Verifier{Keys: [][]byte{[]byte(testKey)}, MaxSkew: 5 * time.Minute}
	}
	if opts.Store == nil {
		m := memory.New(testNorm)
		loadDemo(t, m)
		opts.Store = m
	}
	opts.Normalizer = testNorm
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	core, logs := observer.New(zapcore.DebugLevel)
	return serveOn(t, mustNew(t, opts, zap.New(core)), opts.RequestTimeout, conns, logs)
}

// maxConns is the connection cap of test servers, server.max_connections' default.
const maxConns = adaptor.DefaultMaxConnections

// serveOn serves h as serve does, on a random loopback port, until the test ends.
func serveOn(t *testing.T, h http.Handler, requestTimeout time.Duration, conns int, logs *observer.ObservedLogs) *harness {
	t.Helper()
	ln, err := adaptor.Listen("127.0.0.1:0", conns, nil, "lookup")
	if err != nil {
		t.Fatal(err)
	}
	busy := new(atomic.Int64)
	srv := adaptor.NewHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		busy.Add(1)
		defer busy.Add(-1)
		h.ServeHTTP(w, r)
	}), adaptor.Limits{RequestTimeout: requestTimeout})
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &harness{url: "http://" + ln.Addr().String(), addr: ln.Addr().String(), logs: logs, busy: busy}
}

// request is a lookup as Gladly would send it, before it is sent.
type request struct {
	method, path, query string
	body                []byte
	key                 string
	at                  time.Time
	// edit changes the signed request before sending (tampering, extra headers).
	edit func(*http.Request)
}

// send signs r (key testKey and time testNow unless set) and sends it to h.
func (h *harness) send(t *testing.T, r request) (*http.Response, []byte) {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	if r.path == "" {
		r.path = "/lookup"
	}
	if r.key == "" {
		r.key = testKey
	}
	if r.at.IsZero() {
		r.at = testNow
	}
	sr, err := signing.NewRequest([]byte(r.key), r.method, r.path, r.query, r.body, r.at)
	if err != nil {
		t.Fatal(err)
	}
	url := h.url + r.path
	if r.query != "" {
		url += "?" + r.query
	}
	req, err := http.NewRequest(r.method, url, bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = sr.Header
	if r.edit != nil {
		r.edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	h.settle(t)
	return resp, body
}

// post sends a signed lookup body to /lookup and returns the status and body.
func (h *harness) post(t *testing.T, body string) (int, string) {
	t.Helper()
	resp, b := h.send(t, request{body: []byte(body)})
	return resp.StatusCode, string(b)
}

// resign replaces the Gladly-Authorization of r by one covering its current headers.
func resign(t *testing.T, r *http.Request, body []byte) {
	t.Helper()
	auth, err := signing.Sign([]byte(testKey), &signing.Request{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header, Body: body,
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Gladly-Authorization", auth)
}

// nopBody replaces a request body after signing.
func nopBody(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// assertLogsOmit fails if any logged message or field, the echoed request ids aside, holds one
// of the secrets.
func assertLogsOmit(t *testing.T, h *harness, secrets ...string) {
	t.Helper()
	for _, e := range h.logs.All() {
		fields := e.ContextMap()
		// The request ids are the test client's random header values, echoed: a secret's digits
		// turn up in them by chance (a trace id holding "555"), never from the request body.
		delete(fields, "correlation_id")
		delete(fields, "trace_id")
		line := fmt.Sprint(e.Message, fields)
		for _, secret := range secrets {
			if strings.Contains(line, secret) {
				t.Errorf("log line leaks %q: %s", secret, line)
			}
		}
	}
}

// newDemoServer is a Server over the demo seed in memory, its clock at testNow, logging
// nowhere: for benchmarks and fuzzing, which call ServeHTTP directly.
func newDemoServer(tb testing.TB, v *signing.Verifier) *adaptor.Server {
	tb.Helper()
	m := memory.New(testNorm)
	loadDemo(tb, m)
	return mustNew(tb, adaptor.Options{Verifier: v, Store: m, Normalizer: testNorm, Now: func() time.Time { return testNow }}, zap.NewNop())
}

// mustNew is adaptor.New, failing the test on an error.
func mustNew(tb testing.TB, opts adaptor.Options, log *zap.Logger) *adaptor.Server {
	tb.Helper()
	srv, err := adaptor.New(opts, log)
	if err != nil {
		tb.Fatal(err)
	}
	return srv
}

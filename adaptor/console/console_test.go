package console_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/adaptor/console"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
)

const (
	testKey = "console-test-key"
	adaBody = `{"lookupLevel":"BASIC","query":{"id":"g1","emails":["ada@example.com"]},"uniqueMatchRequired":false}`
)

var testNow = time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)

var testNorm = func() *store.Normalizer {
	n, err := phone.NewNormalizer("US")
	if err != nil {
		panic(err)
	}
	return n
}()

// served is a lookup server over the demo customers, observed by a console, and the admin
// router the console is registered on.
type served struct {
	srv    *adaptor.Server
	lookup string // the lookup URL
	admin  *http.ServeMux
}

// serve builds the lookup server and the console with o's token and address, as cli wires them.
func serve(t *testing.T, o console.Options) *served {
	t.Helper()
	m := memory.New(testNorm)
	f, err := os.Open("../../testdata/seed/demo.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := m.Load(context.Background(), seedfile.Read(f, "demo.json"), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	recent, err := console.NewRecent(50)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := adaptor.New(adaptor.Options{Verifier: &signing.Verifier{Keys: [][]byte{[]byte(testKey)}, MaxSkew: 5 * time.Minute},
		Store: m, Normalizer: testNorm, Now: func() time.Time { return testNow }, Observer: recent}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lookups := httptest.NewUnstartedServer(nil)
	lookups.Config = adaptor.NewHTTPServer(srv, adaptor.Limits{})
	lookups.Start()
	t.Cleanup(lookups.Close)
	o.Server, o.Recent, o.Normalizer = srv, recent, testNorm
	c, err := console.New(o)
	if err != nil {
		t.Fatal(err)
	}
	mux := adaptor.Admin(nil, nil)
	c.Register(mux)
	return &served{srv: srv, lookup: lookups.URL + "/lookup", admin: mux}
}

// consoleServer serves the console with token on a loopback admin listener and returns the
// lookup server and the admin URL.
func consoleServer(t *testing.T, token string) (*served, string) {
	t.Helper()
	s := serve(t, console.Options{Token: token})
	admin := httptest.NewServer(s.admin)
	t.Cleanup(admin.Close)
	return s, admin.URL
}

// send posts a lookup of Ada signed with key, carrying correlationID.
func (s *served) send(t *testing.T, key, correlationID string) int {
	t.Helper()
	body := []byte(adaBody)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Gladly-Correlation-Id", correlationID)
	h.Set(signing.HeaderTime, signing.FormatTime(testNow))
	auth, err := signing.Sign([]byte(key), &signing.Request{Method: http.MethodPost, Path: "/lookup", Header: h, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	h.Set(signing.HeaderAuthorization, auth)
	req, _ := http.NewRequest(http.MethodPost, s.lookup, bytes.NewReader(body))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// What a console cannot work without is an error from its constructors.
func TestConstructorsRefuseWhatTheyLack(t *testing.T) {
	if _, err := console.NewRecent(0); err == nil || !strings.Contains(err.Error(), "console.recent") {
		t.Errorf("NewRecent(0): %v", err)
	}
	recent, _ := console.NewRecent(1)
	for _, tc := range []struct {
		o    console.Options
		want string
	}{
		{console.Options{Recent: recent, Normalizer: testNorm}, "Options.Server"},
		{console.Options{Server: &adaptor.Server{}, Normalizer: testNorm}, "Options.Recent"},
		{console.Options{Server: &adaptor.Server{}, Recent: recent}, "Options.Normalizer"},
	} {
		if c, err := console.New(tc.o); err == nil || c != nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New without %s: %v", tc.want, err)
		}
	}
}

// The try-it form runs its lookup through the whole server — signed once, observed like any
// request — and shows the verdicts with personal data masked.
func TestTryRunsThroughTheServer(t *testing.T) {
	s, admin := consoleServer(t, "")
	form := url.Values{"kind": {"detailed"}, "externalCustomerId": {"C-1003"}}.Encode()
	status, _, page := consoleDo(t, "POST", admin+"/console/try", form, nil)
	if status != http.StatusOK {
		t.Fatalf("try: %d", status)
	}
	for _, want := range []string{"status <b>200</b>", "C-1003", "every value a string", "at most one result: 1", "ORDER readiness: 1 of 1 orders ready", "c***@e***.com"} {
		if !strings.Contains(page, want) {
			t.Errorf("the try-it answer lacks %q", want)
		}
	}
	if strings.Contains(page, "charles@example.com") {
		t.Error("the page shows a customer's full email")
	}
	_, _, recent := consoleDo(t, "GET", admin+"/console/recent", "", nil)
	if !strings.Contains(recent, "console-try") {
		t.Error("the try did not go through the server's request log")
	}
	if n := s.send(t, testKey, "after-the-try"); n != http.StatusOK {
		t.Errorf("a lookup after the try: %d", n)
	}
}

// With admin.token set, the console asks for it; the right one, as a bearer token or entered
// in the page, opens it.
func TestConsoleToken(t *testing.T) {
	_, admin := consoleServer(t, "s3cret-token")
	get := func(edit func(*http.Request)) (int, string) {
		req, _ := http.NewRequest("GET", admin+"/console", nil)
		if edit != nil {
			edit(req)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b := new(strings.Builder)
		_, _ = io.Copy(b, resp.Body)
		return resp.StatusCode, b.String()
	}
	if status, body := get(nil); status != http.StatusUnauthorized || !strings.Contains(body, "needs the admin token") || strings.Contains(body, "recent") {
		t.Errorf("without the token: %d", status)
	}
	if status, _ := get(func(r *http.Request) { r.Header.Set("Authorization", "Bearer wrong") }); status != http.StatusUnauthorized {
		t.Errorf("a wrong token: %d", status)
	}
	if status, body := get(func(r *http.Request) { r.Header.Set("Authorization", "Bearer s3cret-token") }); status != http.StatusOK || !strings.Contains(body, `id="try"`) {
		t.Errorf("the token as a bearer: %d", status)
	}
	if status, _ := get(func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "console_token", Value: "s3cret-token"}) }); status != http.StatusOK {
		t.Errorf("the token entered in the page: %d", status)
	}
}

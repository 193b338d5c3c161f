package console_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/adaptor/console"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
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
	m, err := memory.FromFiles(context.Background(), testNorm, "../../testdata/seed/demo.json")
	if err != nil {
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

// consoleDo sends a request to the console at admin and returns its status, headers and body.
func consoleDo(t *testing.T, method, target string, body string, edit func(*http.Request)) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if edit != nil {
		edit(req)
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// Without a token, the console answers only requests addressed to it by a loopback name or its
// own address — not a page of another site whose name resolves to 127.0.0.1 — refuses
// cross-site POSTs, is never framed and takes small forms only.
func TestConsoleAnswersOnlyItsOwnPage(t *testing.T) {
	_, admin := consoleServer(t, "")
	// Load balancers probe health by address: only the console is kept to its own names.
	if status, _, _ := consoleDo(t, "GET", admin+"/healthz", "", func(r *http.Request) { r.Host = "10.0.0.7:9090" }); status != http.StatusOK {
		t.Errorf("/healthz by another name: %d", status)
	}
	try := url.Values{"kind": {"auto_link"}, "email": {"ada@example.com"}}.Encode()
	for _, tc := range []struct {
		name, method, body string
		edit               func(*http.Request)
		want               int
	}{
		{"its own page", "GET", "", nil, http.StatusOK},
		{"by the name localhost", "GET", "", func(r *http.Request) { r.Host = "localhost:9090" }, http.StatusOK},
		{"by a rebinding name", "GET", "", func(r *http.Request) { r.Host = "attacker.example:9090" }, http.StatusMisdirectedRequest},
		{"the recent list by a rebinding name", "GET", "", func(r *http.Request) { r.Host = "attacker.example"; r.URL.Path = "/console/recent" }, http.StatusMisdirectedRequest},
		{"a same-origin try", "POST", try, func(r *http.Request) { r.URL.Path = "/console/try"; r.Header.Set("Sec-Fetch-Site", "same-origin") }, http.StatusOK},
		{"a cross-site try", "POST", try, func(r *http.Request) {
			r.URL.Path = "/console/try"
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			r.Header.Set("Origin", "https://attacker.example")
		}, http.StatusForbidden},
		{"a cross-origin try, older browser", "POST", try, func(r *http.Request) {
			r.URL.Path = "/console/try"
			r.Header.Set("Origin", "https://attacker.example")
		}, http.StatusForbidden},
		{"a 20 KB form", "POST", try + "&name=" + strings.Repeat("a", 20<<10), func(r *http.Request) { r.URL.Path = "/console/try" }, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := consoleDo(t, tc.method, admin+"/console", tc.body, tc.edit)
			if status != tc.want {
				t.Fatalf("%d, want %d: %.200s", status, tc.want, body)
			}
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("may be framed: CSP %q, X-Frame-Options %q", csp, h.Get("X-Frame-Options"))
			}
		})
	}
}

// With a token, any name reaches the console (the token keeps a rebinding page out), the
// cookie is HttpOnly, SameSite=Strict and, under TLS, Secure; and wrong guesses are slowed.
func TestConsoleTokenCookieAndGuesses(t *testing.T) {
	s := serve(t, console.Options{Token: "s3cret-token", Addr: "0.0.0.0:9090"})
	admin := httptest.NewTLSServer(s.admin)
	t.Cleanup(admin.Close)
	do := func(method, body string, edit func(*http.Request)) (int, http.Header) {
		req, _ := http.NewRequest(method, admin.URL+"/console", strings.NewReader(body))
		if edit != nil {
			edit(req)
		}
		client := admin.Client()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	bearer := func(token string) func(*http.Request) {
		return func(r *http.Request) {
			r.Host = "adaptor-admin.internal"
			r.Header.Set("Authorization", "Bearer "+token)
		}
	}
	if status, _ := do("GET", "", bearer("s3cret-token")); status != http.StatusOK {
		t.Errorf("the right token by another name: %d", status)
	}
	status, h := do("POST", "token=s3cret-token", func(r *http.Request) {
		r.URL.Path = "/console/login"
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	})
	cookie := h.Get("Set-Cookie")
	if status != http.StatusSeeOther || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") || !strings.Contains(cookie, "Secure") {
		t.Errorf("login under TLS: %d, cookie %q", status, cookie)
	}
	var statuses []int
	for range 8 {
		status, _ := do("GET", "", bearer("guess"))
		statuses = append(statuses, status)
	}
	if statuses[0] != http.StatusUnauthorized || statuses[7] != http.StatusTooManyRequests {
		t.Errorf("eight quick wrong guesses answered %v; want 401 first, 429 once the burst is spent", statuses)
	}
	if status, _ := do("GET", "", bearer("s3cret-token")); status != http.StatusOK {
		t.Errorf("the right token after the guesses: %d", status)
	}
}

// The console keeps verified requests apart from the rest: a flood of refused ones after them
// does not push them out of its list.
func TestConsoleKeepsVerifiedRequestsThroughAFlood(t *testing.T) {
	s, admin := consoleServer(t, "")
	for i := range 5 {
		s.send(t, testKey, "gladly-kept-"+string(rune('a'+i)))
	}
	for range 200 { // four times the console's 50
		s.send(t, "wrong", "flood")
	}
	status, _, page := consoleDo(t, "GET", admin+"/console/recent", "", nil)
	if status != http.StatusOK {
		t.Fatalf("recent: %d", status)
	}
	for i := range 5 {
		if id := "gladly-kept-" + string(rune('a'+i)); !strings.Contains(page, id) {
			t.Errorf("%s was pushed out of the console by 200 refused requests", id)
		}
	}
}

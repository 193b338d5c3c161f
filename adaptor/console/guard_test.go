package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor/console"
)

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

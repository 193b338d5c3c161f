package adaptor_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/internal/goroutines"
	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// A lookup that finds Ada, the control request of the hostile-input tests.
const adaBody = `{"lookupLevel":"BASIC","query":{"id":"g1","emails":["ada@example.com"]},"uniqueMatchRequired":false}`

// rawRequest is an HTTP/1.1 request as bytes on the wire, so that a test can send what no
// well-behaved client would.
type rawRequest struct {
	method, target string
	headers        [][2]string // in order, repeats allowed
	body           []byte
}

// signedRaw is a lookup of body signed with testKey at testNow, then changed by edit.
func signedRaw(t testing.TB, body string, edit func(*rawRequest)) rawRequest {
	t.Helper()
	return signedWith(t, body, nil, edit)
}

// signedWith is signedRaw with extra headers set before signing, so that they are signed.
func signedWith(t testing.TB, body string, extra map[string]string, edit func(*rawRequest)) rawRequest {
	t.Helper()
	sr, err := signing.NewRequest([]byte(testKey), "POST", "/lookup", "", []byte(body), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(extra) > 0 {
		for k, v := range extra {
			sr.Header.Set(k, v)
		}
		sr.Header.Del(signing.HeaderAuthorization)
		auth, err := signing.Sign([]byte(testKey), sr)
		if err != nil {
			t.Fatal(err)
		}
		sr.Header.Set(signing.HeaderAuthorization, auth)
	}
	r := rawRequest{method: "POST", target: "/lookup", body: []byte(body)}
	for name, values := range sr.Header {
		for _, v := range values {
			r.headers = append(r.headers, [2]string{name, v})
		}
	}
	if edit != nil {
		edit(&r)
	}
	return r
}

// set replaces every header name of r by one with value v.
func (r *rawRequest) set(name, v string) {
	r.del(name)
	r.headers = append(r.headers, [2]string{name, v})
}

func (r *rawRequest) del(name string) {
	kept := r.headers[:0]
	for _, h := range r.headers {
		if !strings.EqualFold(h[0], name) {
			kept = append(kept, h)
		}
	}
	r.headers = kept
}

func (r *rawRequest) bytes() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: adaptor.test\r\n", r.method, r.target)
	hasLength := false
	for _, h := range r.headers {
		hasLength = hasLength || strings.EqualFold(h[0], "Content-Length") || strings.EqualFold(h[0], "Transfer-Encoding")
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	if !hasLength {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(r.body))
	}
	b.WriteString("Connection: close\r\n\r\n")
	b.Write(r.body)
	return b.Bytes()
}

// sendRaw writes r on a new connection and reads the answer.
func (h *harness) sendRaw(t testing.TB, r rawRequest) (int, string) {
	t.Helper()
	return h.sendBytes(t, r.bytes())
}

// sendBytes writes raw on a new connection and reads the answer.
func (h *harness) sendBytes(t testing.TB, raw []byte) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	// The server may answer (a 413, a 431) before it has read everything; a write it cut short
	// is not a failure, the answer is what counts.
	go func() { _, _ = conn.Write(raw) }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	h.settle(t)
	return resp.StatusCode, string(body)
}

// authWith replaces the SignedHeaders list of a signed request's Gladly-Authorization.
func authWith(list string) func(*rawRequest) {
	return func(r *rawRequest) {
		r.set("Gladly-Authorization", "SigningAlgorithm=hmac-sha256, SignedHeaders="+list+", Signature="+strings.Repeat("ab", 32))
	}
}

// fillHeaders adds n headers x-fill-NNN, each a value of size bytes of words and white space,
// the most a canonical request can be made to hold.
func fillHeaders(n, size int) (names []string, edit func(*rawRequest)) {
	for i := 0; i < n; i++ {
		names = append(names, fmt.Sprintf("x-fill-%03d", i))
	}
	value := strings.Repeat("a \t", size/3)
	return names, func(r *rawRequest) {
		for _, name := range names {
			r.headers = append(r.headers, [2]string{name, value})
		}
	}
}

// worstRefused is the costliest unauthenticated request found: 31 signed headers beside
// gladly-time that fill the 64 KiB header limit with white space to collapse, a query string
// so that both canonical forms are built, and a wrong signature.
func worstRefused(t testing.TB) rawRequest {
	names, fill := fillHeaders(signing.MaxSignedHeaders-1, 1900)
	list := strings.Join(append([]string{"gladly-time"}, names...), ";")
	return signedRaw(t, adaBody, func(r *rawRequest) {
		r.target = "/lookup?" + manyParams(signing.MaxQueryParams)
		fill(r)
		authWith(list)(r)
	})
}

// TestHostileRequests sends, through the real listener, requests no Gladly would send: each
// gets its status, allocates a bounded amount, and the server keeps answering.
func TestHostileRequests(t *testing.T) {
	// A body limit raised to 1 MiB (server.max_body_bytes), so that the decoder meets what fits.
	h := start(t, adaptor.Options{RequestTimeout: 2 * time.Second, MaxBodyBytes: 1 << 20})
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	manyEmails := `"` + strings.Repeat(`x@example.com","`, 60_000) + `x@example.com"`
	_, fill := fillHeaders(30, 2000)
	var manyWords string
	for i := range 300 {
		manyWords += fmt.Sprintf("w%d ", i)
	}
	cases := []struct {
		name   string
		req    rawRequest
		status int
	}{
		{"control: a signed lookup", signedRaw(t, adaBody, nil), http.StatusOK},
		{"one name signed 30,000 times", signedRaw(t, adaBody, func(r *rawRequest) {
			r.set("X-Big", strings.Repeat("v", 30_000))
			authWith(strings.Repeat("x-big;", 5_000) + "gladly-time")(r)
		}), http.StatusUnauthorized},
		{"33 signed headers", signedRaw(t, adaBody, func(r *rawRequest) {
			names, fill := fillHeaders(signing.MaxSignedHeaders, 10)
			fill(r)
			authWith(strings.Join(append([]string{"gladly-time"}, names...), ";"))(r)
		}), http.StatusUnauthorized},
		{"signed headers out of order", signedRaw(t, adaBody, authWith("gladly-time;accept")), http.StatusUnauthorized},
		{"signed header named twice", signedRaw(t, adaBody, authWith("accept;accept;gladly-time")), http.StatusUnauthorized},
		{"upper-case signed header", signedRaw(t, adaBody, authWith("Accept;gladly-time")), http.StatusUnauthorized},
		{"signed header not a token", signedRaw(t, adaBody, authWith("acc(ept;gladly-time")), http.StatusUnauthorized},
		{"60 KiB of authorization", signedRaw(t, adaBody, func(r *rawRequest) {
			r.set("Gladly-Authorization", strings.Repeat("SigningAlgorithm=x,", 3000))
		}), http.StatusUnauthorized},
		{"the worst refused request", worstRefused(t), http.StatusUnauthorized},
		{"a query string of 7,000 parameters", signedRaw(t, adaBody, func(r *rawRequest) {
			r.target = "/lookup?" + manyParams(7000)
		}), http.StatusUnauthorized},
		{"30 KiB-filled headers, valid signature", signedRaw(t, adaBody, func(r *rawRequest) { fill(r) }), http.StatusOK},
		{"headers past 64 KiB", signedRaw(t, adaBody, func(r *rawRequest) {
			r.set("X-Huge", strings.Repeat("h", 70<<10))
		}), http.StatusRequestHeaderFieldsTooLarge},
		{"two Gladly-Time headers", signedRaw(t, adaBody, func(r *rawRequest) {
			r.headers = append(r.headers, [2]string{"Gladly-Time", "20261121T093001Z"})
		}), http.StatusUnauthorized},
		{"authorization without spaces", signedRaw(t, adaBody, func(r *rawRequest) {
			for i, hd := range r.headers {
				if hd[0] == "Gladly-Authorization" {
					r.headers[i][1] = strings.ReplaceAll(hd[1], ", ", ",\t")
				}
			}
		}), http.StatusOK},
		{"trailing brace", signedRaw(t, adaBody+"}", nil), http.StatusBadRequest},
		{"trailing bracket", signedRaw(t, adaBody+"]", nil), http.StatusBadRequest},
		{"trailing text", signedRaw(t, adaBody+" x", nil), http.StatusBadRequest},
		{"second object", signedRaw(t, adaBody+adaBody, nil), http.StatusBadRequest},
		{"trailing white space", signedRaw(t, adaBody+" \r\n\t", nil), http.StatusOK},
		{"nesting 100,000 deep", signedRaw(t, `{"lookupLevel":"BASIC","query":{"x":`+deep+`}}`, nil), http.StatusBadRequest},
		{"60,000 emails", signedRaw(t, `{"lookupLevel":"BASIC","query":{"emails":[`+manyEmails+`]}}`, nil), http.StatusBadRequest},
		{"emails not an array", signedRaw(t, `{"lookupLevel":"BASIC","query":{"emails":"ada@example.com"}}`, nil), http.StatusBadRequest},
		{"phones an object", signedRaw(t, `{"lookupLevel":"BASIC","query":{"phones":{"a":1}}}`, nil), http.StatusBadRequest},
		{"300 name words", signedRaw(t, `{"lookupLevel":"BASIC","query":{"name":"`+manyWords+`"}}`, nil), http.StatusBadRequest},
		{"non-UTF-8 value", signedRaw(t, "{\"lookupLevel\":\"BASIC\",\"query\":{\"name\":\"\xff\xfe\xfd\"}}", nil), http.StatusOK},
		{"non-UTF-8 key", signedRaw(t, "{\"lookupLevel\":\"BASIC\",\"query\":{\"\xff\xfe\":\"x\"}}", nil), http.StatusOK},
		{"non-UTF-8 correlation id, signed", signedWith(t, adaBody, map[string]string{"Gladly-Correlation-Id": "\xff\xfe"}, nil), http.StatusOK},
		{"odd white space in a signed header", signedWith(t, adaBody, map[string]string{"X-Odd": "a\t\tb  c"}, func(r *rawRequest) {
			r.set("X-Odd", "   a\t\tb  c \t") // outer white space is not signed
		}), http.StatusOK},
		{"body over the limit", signedRaw(t, `{"x":"`+strings.Repeat("b", 1<<20)+`"}`, nil), http.StatusRequestEntityTooLarge},
		{"chunked body over the limit", signedRaw(t, "", func(r *rawRequest) {
			chunk := strings.Repeat("c", 64<<10)
			var b strings.Builder
			for i := 0; i < 20; i++ {
				fmt.Fprintf(&b, "%x\r\n%s\r\n", len(chunk), chunk)
			}
			b.WriteString("0\r\n\r\n")
			r.body = []byte(b.String())
			r.set("Transfer-Encoding", "chunked")
		}), http.StatusRequestEntityTooLarge},
		{"Content-Length shorter than the body", signedRaw(t, adaBody, func(r *rawRequest) {
			r.set("Content-Length", "10")
		}), http.StatusUnauthorized},
		{"OPTIONS", rawRequest{method: "OPTIONS", target: "/lookup"}, http.StatusMethodNotAllowed},
		{"GET", rawRequest{method: "GET", target: "/lookup"}, http.StatusMethodNotAllowed},
		{"signed OPTIONS", signedRaw(t, adaBody, func(r *rawRequest) { r.method = "OPTIONS" }), http.StatusMethodNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.req.bytes()
			before := allocated()
			status, body := h.sendBytes(t, raw)
			if status != tc.status {
				t.Fatalf("status %d %s, want %d", status, text.Truncate(body, 200), tc.status)
			}
			// Bounded by a constant for the headers plus a small multiple of the body (the race
			// detector, on in make test, roughly doubles what the body costs).
			perRequest := allocated() - before
			if perRequest > uint64(4<<20+8*len(tc.req.body)) {
				t.Errorf("the request cost %d bytes of allocation", perRequest)
			}
			t.Logf("%d: %d bytes sent, %d allocated (client and server)", status, len(raw), perRequest)
			if status != http.StatusRequestHeaderFieldsTooLarge && !strings.HasPrefix(body, `{"`) {
				t.Errorf("answer is not the JSON errors or results body: %s", text.Truncate(body, 200))
			}
			if status, body := h.sendRaw(t, signedRaw(t, adaBody, nil)); status != http.StatusOK || !strings.Contains(body, "C-1001") {
				t.Fatalf("after it, a lookup got %d %s", status, text.Truncate(body, 200))
			}
		})
	}
}

// manyParams is a query string of n distinct parameters, in reverse order.
func manyParams(n int) string {
	var b strings.Builder
	for i := n; i > 0; i-- {
		fmt.Fprintf(&b, "p%d=v&", i)
	}
	return strings.TrimSuffix(b.String(), "&")
}

// allocated is the bytes the process has allocated so far.
func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// While the worst refused request floods the server, lookups are still answered correctly.
func TestLookupsAnsweredDuringAFlood(t *testing.T) {
	h := start(t, adaptor.Options{})
	worst := worstRefused(t)
	stop := goroutines.Repeat(4, func() bool {
		if status, _ := h.sendRaw(t, worst); status != http.StatusUnauthorized {
			t.Errorf("flood request got %d", status)
			return false
		}
		return true
	})
	for i := 0; i < 50; i++ {
		if status, body := h.sendRaw(t, signedRaw(t, adaBody, nil)); status != http.StatusOK || !strings.Contains(body, "C-1001") {
			t.Errorf("lookup during the flood: %d %s", status, text.Truncate(body, 200))
		}
	}
	stop()
	// The flood's log lines were rate-limited, and what was left out was counted.
	if n := h.logs.FilterMessage("request").Len(); n > 200+50 {
		t.Errorf("%d request lines logged during the flood", n)
	}
}

// A client that sends its headers or its body too slowly is cut off at server.request_timeout,
// and the server keeps serving.
func TestSlowClients(t *testing.T) {
	h := start(t, adaptor.Options{RequestTimeout: 300 * time.Millisecond})
	dial := func() net.Conn {
		conn, err := net.Dial("tcp", h.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	// Headers that never finish: the connection is closed, with no answer or a 408 at most.
	slowHeaders := dial()
	fmt.Fprintf(slowHeaders, "POST /lookup HTTP/1.1\r\nHost: x\r\nGladly-Time: 2026")
	waitClosed(t, slowHeaders, 2*time.Second)

	// A body that stops halfway: the read deadline ends the request.
	r := signedRaw(t, adaBody, nil)
	raw := r.bytes()
	slowBody := dial()
	_, _ = slowBody.Write(raw[:len(raw)-20])
	waitClosed(t, slowBody, 2*time.Second)

	if status, body := h.sendRaw(t, signedRaw(t, adaBody, nil)); status != http.StatusOK {
		t.Fatalf("after slow clients: %d %s", status, body)
	}
}

// waitClosed reads from conn until the server closes it, failing after within.
func waitClosed(t *testing.T, conn net.Conn, within time.Duration) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(within))
	got, err := io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("connection still open after %s", within)
	}
	if len(got) > 0 && !bytes.HasPrefix(got, []byte("HTTP/1.1 4")) {
		t.Errorf("a slow client got %q", text.Truncate(string(got), 200))
	}
}

// server.max_connections caps open connections: past it, a new one is not served until
// another closes.
func TestConnectionCap(t *testing.T) {
	m := newDemoServer(t, &signing.Verifier{Keys: [][]byte{[]byte(testKey)}, MaxSkew: 5 * time.Minute})
	h := serveOn(t, m, 5*time.Second, 2, nil)
	var idle []net.Conn
	for i := 0; i < 2; i++ {
		conn, err := net.Dial("tcp", h.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		idle = append(idle, conn)
	}
	third, err := net.Dial("tcp", h.addr) // the kernel accepts it; the server does not yet
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	control := signedRaw(t, adaBody, nil)
	if _, err := third.Write(control.bytes()); err != nil {
		t.Fatal(err)
	}
	_ = third.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := third.Read(make([]byte, 1)); err == nil {
		t.Fatal("a third connection was served beside two open ones with max_connections 2")
	}
	idle[0].Close()
	_ = third.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(third), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("once a connection closed, the waiting one got %v %v", resp, err)
	}
}

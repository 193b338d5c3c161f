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
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
)

// keptAlive is r as a keep-alive request: without the Connection: close rawRequest adds.
func keptAlive(r rawRequest) []byte {
	return bytes.Replace(r.bytes(), []byte("Connection: close\r\n"), nil, 1)
}

// exchange writes raw on conn and reads one answer.
func exchange(t *testing.T, conn net.Conn, br *bufio.Reader, raw []byte) *http.Response {
	t.Helper()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// lookupNow sends a signed lookup of Ada on a new connection and returns its status and how long
// the answer took; unlike sendRaw it does not wait for the server's other requests to finish.
func lookupNow(t *testing.T, h *harness) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	conn, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := signedRaw(t, adaBody, nil)
	resp := exchange(t, conn, bufio.NewReader(conn), r.bytes())
	return resp.StatusCode, time.Since(start)
}

// dialN opens n connections to h, closed when the test ends.
func dialN(t *testing.T, h *harness, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	for i := range conns {
		conn, err := net.Dial("tcp", h.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		conns[i] = conn
	}
	return conns
}

// closedByServer reports whether the server has closed conn (a read ends without data) within
// d.
func closedByServer(conn net.Conn, br *bufio.Reader, d time.Duration) bool {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	_, err := br.ReadByte()
	return err == io.EOF
}

// A request the server did not verify — refused, on another path, with another method, too
// large — ends its connection; a verified one keeps it, even when the lookup itself fails.
func TestUnverifiedRequestsEndTheirConnection(t *testing.T) {
	h := start(t, adaptor.Options{})
	unsigned := signedRaw(t, adaBody, func(r *rawRequest) { r.del("Gladly-Authorization") })
	for _, tc := range []struct {
		name   string
		req    rawRequest
		status int
	}{
		{"unsigned", unsigned, http.StatusUnauthorized},
		{"wrong signature", signedRaw(t, adaBody, authWith("content-type;gladly-time")), http.StatusUnauthorized},
		{"another path", rawRequest{method: "GET", target: "/"}, http.StatusNotFound},
		{"OPTIONS", rawRequest{method: "OPTIONS", target: "/lookup"}, http.StatusMethodNotAllowed},
		{"too large", signedRaw(t, adaBody, func(r *rawRequest) { r.set("Content-Length", "70000") }), http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", h.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			resp := exchange(t, conn, br, keptAlive(tc.req))
			if resp.StatusCode != tc.status || !resp.Close {
				t.Errorf("answered %d, Connection: close %v; want %d and close", resp.StatusCode, resp.Close, tc.status)
			}
			if !closedByServer(conn, br, 2*time.Second) {
				t.Error("the connection stayed open after a request that was not verified")
			}
		})
	}
	conn, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	badLevel := `{"lookupLevel":"SOMETIMES","query":{},"uniqueMatchRequired":false}`
	for i, body := range []string{adaBody, badLevel, adaBody} {
		resp := exchange(t, conn, br, keptAlive(signedRaw(t, body, nil)))
		if want := map[bool]int{true: 400, false: 200}[body == badLevel]; resp.StatusCode != want || resp.Close {
			t.Fatalf("verified request %d on one connection: %d, Connection: close %v", i, resp.StatusCode, resp.Close)
		}
	}
}

// Connections that each send one unsigned request and then stay, and connections that send
// nothing, cannot hold the listener's slots: the first are closed after their answer, the
// second within the header timeout, and a signed lookup is answered meanwhile.
func TestConnectionsCannotLockGladlyOut(t *testing.T) {
	const slots = 40
	h := startCapped(t, adaptor.Options{RequestTimeout: time.Second}, slots)
	unsigned := keptAlive(signedRaw(t, adaBody, func(r *rawRequest) { r.del("Gladly-Authorization") }))
	for _, conn := range dialN(t, h, slots) {
		if resp := exchange(t, conn, bufio.NewReader(conn), unsigned); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("unsigned request answered %d", resp.StatusCode)
		}
	}
	start := time.Now()
	if status, body := h.sendRaw(t, signedRaw(t, adaBody, nil)); status != http.StatusOK || !strings.Contains(body, "C-1001") {
		t.Fatalf("the lookup after %d refused connections: %d %s", slots, status, body)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("with %d connections idle after a refusal, a lookup took %s", slots, took)
	}

	silent := dialN(t, h, slots)
	start = time.Now()
	if status, _ := h.sendRaw(t, signedRaw(t, adaBody, nil)); status != http.StatusOK {
		t.Fatalf("the lookup behind %d silent connections: %d", slots, status)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("behind %d silent connections, a lookup waited %s; the header timeout is 1s", slots, took)
	}
	for _, conn := range silent {
		if !closedByServer(conn, bufio.NewReader(conn), 2*time.Second) {
			t.Fatal("a silent connection outlived the header timeout")
		}
	}
}

// counter reads a counter of reg.
func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			total := 0.0
			for _, m := range f.GetMetric() {
				total += m.GetCounter().GetValue()
			}
			return total
		}
	}
	return 0
}

// junkHead is the head of a lookup signed wrongly that announces a body of 65,000 bytes.
func junkHead(t *testing.T) []byte {
	junk := signedRaw(t, adaBody, authWith("content-type;gladly-time"))
	junk.set("Content-Length", "65000")
	head := junk.bytes()
	return head[:bytes.Index(head, []byte("\r\n\r\n"))+4]
}

// Many connections trickling large bodies under a junk signature hold at most the unverified
// budget between them: past it they are answered 503 and closed, while a signed lookup — a
// small body, within its own connection's allowance — is answered.
func TestUnverifiedBodiesAreBoundedInTotal(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := start(t, adaptor.Options{RequestTimeout: 10 * time.Second, Metrics: adaptor.NewMetrics(reg)})
	head := junkHead(t)
	const conns = 400 // 400 bodies of 60 KB: more than the 16 MiB budget and their allowances
	var wg sync.WaitGroup
	answers := make(chan int, conns)
	held := dialN(t, h, conns)
	for _, conn := range held {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
			_, _ = conn.Write(append(bytes.Clone(head), bytes.Repeat([]byte("x"), 60000)...)) // and stall
			if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
				answers <- resp.StatusCode
				if resp.StatusCode == http.StatusServiceUnavailable && !resp.Close {
					t.Error("a 503 for a spent budget kept its connection")
				}
			}
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for counter(t, reg, "lookup_adaptor_unverified_body_budget_exhausted_total") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d stalled 60 KB bodies never reached the unverified budget", conns)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if status, took := lookupNow(t, h); status != http.StatusOK || took > time.Second {
		t.Errorf("a signed lookup beside the spent budget: %d in %s", status, took)
	}
	for _, c := range held {
		c.Close()
	}
	wg.Wait()
	close(answers)
	busy := 0
	for status := range answers {
		if status == http.StatusServiceUnavailable {
			busy++
		}
	}
	if busy == 0 {
		t.Error("no stalled body was answered 503")
	}
	t.Logf("%d of %d stalled bodies answered 503", busy, conns)
}

// What a body holds follows what arrived, not what Content-Length announced; and a chunked body
// costs what the same body with a Content-Length does.
func TestBodiesCostWhatArrives(t *testing.T) {
	h := start(t, adaptor.Options{RequestTimeout: 10 * time.Second})
	head := junkHead(t)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	stalled := dialN(t, h, 300)
	for _, conn := range stalled {
		if _, err := conn.Write(append(bytes.Clone(head), "x"...)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond) // every request reads its first byte
	if grew := int64(heap()) - int64(before); grew > int64(len(stalled))*24<<10 {
		t.Errorf("%d connections announcing 65000 bytes and sending 1 hold %d KB: %d KB each", len(stalled), grew>>10, grew/int64(len(stalled))>>10)
	}

	body := strings.Repeat("b", 60000)
	withLength := signedRaw(t, body, authWith("content-type;gladly-time"))
	chunked := signedRaw(t, body, authWith("content-type;gladly-time"))
	chunked.set("Transfer-Encoding", "chunked")
	var b strings.Builder
	for i := 0; i < len(body); i += 1000 {
		fmt.Fprintf(&b, "%x\r\n%s\r\n", 1000, body[i:i+1000])
	}
	b.WriteString("0\r\n\r\n")
	chunked.body = []byte(b.String())
	for _, c := range stalled {
		c.Close()
	}
	h.settle(t)
	cost := func(r rawRequest) uint64 {
		raw := r.bytes()
		before := allocated()
		for range 20 {
			if status, _ := h.sendBytes(t, raw); status != http.StatusUnauthorized {
				t.Fatalf("junk-signed body answered %d", status)
			}
		}
		return allocated() - before
	}
	lengthCost, chunkedCost := cost(withLength), cost(chunked)
	t.Logf("20 bodies of 60 KB: %d KB with Content-Length, %d KB chunked", lengthCost>>10, chunkedCost>>10)
	if float64(chunkedCost) > 1.5*float64(lengthCost) {
		t.Errorf("a chunked body cost %.1f times the same body with a Content-Length", float64(chunkedCost)/float64(lengthCost))
	}
}

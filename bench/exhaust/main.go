// Command exhaust holds a number of hostile connections against a running adaptor, in one of
// the states the exhaustion budget of docs/performance.md names, and meanwhile sends signed lookups and watches
// the serving process's memory: the numbers the budget is about.
//
//	exhaust -url http://127.0.0.1:8080/lookup -key K -pid PID -kind silent [-conns 2000] [-for 20s]
//
// Kinds: silent (connect, send nothing), headers (trickle the headers), refused (send one
// unsigned request, then stay), body (a junk-signed chunked body of up to 1 MiB, trickled),
// h2 (over HTTPS: connections of 32 streams, each trickling a junk-signed body). A connection
// the server closes is opened again at once, as an attacker would. It prints one line: the
// kind, the connections held at the end, the lookups sent and failed, their latency (median,
// worst) and the process's peak RSS (VmHWM).
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

func main() {
	target := flag.String("url", "http://127.0.0.1:8080/lookup", "the adaptor's lookup URL")
	key := flag.String("key", os.Getenv("ADAPTOR_SIGNING_KEYS"), "the signing key of the control lookups")
	pid := flag.Int("pid", 0, "the serving process, whose peak RSS is reported")
	kind := flag.String("kind", "silent", "silent, headers, refused, body or h2")
	conns := flag.Int("conns", 2000, "hostile connections to hold (h2: streams, 32 to a connection)")
	dur := flag.Duration("for", 20*time.Second, "how long to hold them")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	var held atomic.Int64
	attack, ok := kinds[*kind]
	if !ok {
		fail(fmt.Errorf("unknown -kind %q", *kind))
	}
	n := *conns
	if *kind == "h2" {
		n = (n + streamsPerConn - 1) / streamsPerConn
	}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				attack(ctx, u, &held)
			}
		}()
	}
	time.Sleep(3 * time.Second) // let the attack build up before measuring
	lat, failed := control(ctx, u, *key)
	heldAtEnd := held.Load()
	cancel()
	wg.Wait()
	slices.Sort(lat)
	median, worst := time.Duration(0), time.Duration(0)
	if len(lat) > 0 {
		median, worst = lat[len(lat)/2], lat[len(lat)-1]
	}
	fmt.Printf("%-8s held %5d  lookups %4d  failed %d  median %7s  worst %7s  peak RSS %s\n",
		*kind, heldAtEnd, len(lat)+failed, failed, median.Round(100*time.Microsecond), worst.Round(100*time.Microsecond), peakRSS(*pid))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "exhaust:", err)
	os.Exit(1)
}

// control sends a signed lookup on a new connection every 100 ms until ctx ends, and returns
// the latencies of those answered 200 and how many were not.
func control(ctx context.Context, u *url.URL, key string) ([]time.Duration, int) {
	body := []byte(`{"lookupLevel":"BASIC","query":{"emails":["ada@example.com"]},"uniqueMatchRequired":false}`)
	tr := &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // a loopback benchmark of our own server
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var lat []time.Duration
	failed := 0
	for tick := time.NewTicker(100 * time.Millisecond); ; {
		select {
		case <-ctx.Done():
			return lat, failed
		case <-tick.C:
		}
		sr, err := signing.NewRequest([]byte(key), http.MethodPost, u.Path, "", body, time.Now())
		if err != nil {
			fail(err)
		}
		req, _ := http.NewRequest(http.MethodPost, u.String(), bytes.NewReader(body))
		req.Header = sr.Header
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				failed++
			}
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			failed++
			continue
		}
		lat = append(lat, time.Since(start))
	}
}

// peakRSS reads VmHWM of pid.
func peakRSS(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.Fields(v)[0])
			return fmt.Sprintf("%d MB", kb>>10)
		}
	}
	return "unknown"
}

// kinds hold one hostile connection each until the server closes it or ctx ends.
var kinds = map[string]func(ctx context.Context, u *url.URL, held *atomic.Int64){
	"silent":  silent,
	"headers": trickleHeaders,
	"refused": refusedThenIdle,
	"body":    trickleBody,
	"h2":      h2Streams,
}

func dial(ctx context.Context, u *url.URL, held *atomic.Int64) (net.Conn, func()) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		time.Sleep(50 * time.Millisecond)
		return nil, nil
	}
	held.Add(1)
	return conn, func() { held.Add(-1); conn.Close() }
}

// waitClosed blocks until the server closes conn or ctx ends.
func waitClosed(ctx context.Context, conn net.Conn) {
	go func() { <-ctx.Done(); conn.Close() }()
	_, _ = io.Copy(io.Discard, conn)
}

func silent(ctx context.Context, u *url.URL, held *atomic.Int64) {
	conn, done := dial(ctx, u, held)
	if conn == nil {
		return
	}
	defer done()
	waitClosed(ctx, conn)
}

// every writes the chunks one after another, one per period, until a write fails.
func every(ctx context.Context, conn net.Conn, period time.Duration, chunks func(i int) []byte) {
	for i := 0; ; i++ {
		b := chunks(i)
		if b == nil {
			waitClosed(ctx, conn)
			return
		}
		if _, err := conn.Write(b); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(period):
		}
	}
}

func trickleHeaders(ctx context.Context, u *url.URL, held *atomic.Int64) {
	conn, done := dial(ctx, u, held)
	if conn == nil {
		return
	}
	defer done()
	head := []byte("POST " + u.Path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nX-Padding: ")
	every(ctx, conn, 500*time.Millisecond, func(i int) []byte {
		if i == 0 {
			return head
		}
		return []byte("a")
	})
}

func refusedThenIdle(ctx context.Context, u *url.URL, held *atomic.Int64) {
	conn, done := dial(ctx, u, held)
	if conn == nil {
		return
	}
	defer done()
	body := `{"lookupLevel":"BASIC","query":{"emails":["x@example.com"]}}`
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", u.Path, u.Host, len(body), body)
	if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
		resp.Body.Close()
	}
	waitClosed(ctx, conn)
}

// junkHeaders are the headers of a lookup signed with a wrong signature.
func junkHeaders() [][2]string {
	return [][2]string{
		{"Content-Type", "application/json"},
		{"Gladly-Time", time.Now().UTC().Format(signing.TimeLayout)},
		{"Gladly-Authorization", "SigningAlgorithm=hmac-sha256, SignedHeaders=content-type;gladly-time, Signature=" + strings.Repeat("0", 64)},
	}
}

const mib = 1 << 20

func trickleBody(ctx context.Context, u *url.URL, held *atomic.Int64) {
	conn, done := dial(ctx, u, held)
	if conn == nil {
		return
	}
	defer done()
	var head strings.Builder
	fmt.Fprintf(&head, "POST %s HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n", u.Path, u.Host)
	for _, h := range junkHeaders() {
		fmt.Fprintf(&head, "%s: %s\r\n", h[0], h[1])
	}
	head.WriteString("\r\n")
	chunk := append([]byte(fmt.Sprintf("%x\r\n", 4096)), append(bytes.Repeat([]byte("x"), 4096), "\r\n"...)...)
	every(ctx, conn, 250*time.Millisecond, func(i int) []byte {
		switch {
		case i == 0:
			return []byte(head.String())
		case i*4096 < mib:
			return chunk
		}
		return nil
	})
}

// streamsPerConn is how many streams each h2 connection opens: the server's limit.
const streamsPerConn = 32

func h2Streams(ctx context.Context, u *url.URL, held *atomic.Int64) {
	tcp, done := dial(ctx, u, held)
	if tcp == nil {
		return
	}
	defer done()
	conn := tls.Client(tcp, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}}) //nolint:gosec // a loopback benchmark of our own server
	if err := conn.HandshakeContext(ctx); err != nil || conn.ConnectionState().NegotiatedProtocol != "h2" {
		return
	}
	fr := http2.NewFramer(conn, conn)
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil || fr.WriteSettings() != nil {
		return
	}
	go func() { // read and drop what the server sends; its window updates let the bodies go on
		for {
			if _, err := fr.ReadFrame(); err != nil {
				conn.Close()
				return
			}
		}
	}()
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for i := range streamsPerConn {
		hb.Reset()
		fields := [][2]string{{":method", "POST"}, {":scheme", "https"}, {":authority", u.Host}, {":path", u.Path}}
		for _, h := range junkHeaders() {
			fields = append(fields, [2]string{strings.ToLower(h[0]), h[1]})
		}
		for _, f := range fields {
			_ = enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
		}
		if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: uint32(2*i + 1), BlockFragment: hb.Bytes(), EndHeaders: true}); err != nil {
			return
		}
	}
	data := bytes.Repeat([]byte("x"), 1024)
	for sent := 0; sent < mib && ctx.Err() == nil; sent += len(data) {
		for i := range streamsPerConn {
			if err := fr.WriteData(uint32(2*i+1), false, data); err != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

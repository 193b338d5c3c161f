package adaptor_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// startTLS serves a demo Server over HTTPS with HTTP/2, with the http.Server serve builds.
func startTLS(t *testing.T) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = adaptor.NewHTTPServer(newDemoServer(t, &signing.Verifier{Keys: [][]byte{[]byte(testKey)}, MaxSkew: 5 * time.Minute}), adaptor.Limits{})
	ts.EnableHTTP2 = true
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

// Over HTTP/2, a connection offers few concurrent streams and a small window for each body, so
// that a handful of connections cannot park hundreds of large unverified bodies.
func TestHTTP2StreamsAreBounded(t *testing.T) {
	ts := startTLS(t)
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	conn, err := tls.Dial("tcp", ts.Listener.Addr().String(), &tls.Config{RootCAs: pool, NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if p := conn.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("negotiated %q, want h2", p)
	}
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(conn, conn)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		sf, ok := f.(*http2.SettingsFrame)
		if !ok || sf.IsAck() {
			continue
		}
		streams, _ := sf.Value(http2.SettingMaxConcurrentStreams)
		window, _ := sf.Value(http2.SettingInitialWindowSize)
		if streams != 32 || window != 16<<10 {
			t.Errorf("the server allows %d streams with a window of %d bytes each, want 32 and 16384", streams, window)
		}
		return
	}
}

// A request refused over HTTP/2 ends its connection (a graceful GOAWAY): the next request opens
// a new one. Verified requests share theirs.
func TestHTTP2RefusalEndsTheConnection(t *testing.T) {
	ts := startTLS(t)
	client := ts.Client()
	send := func(sign bool) (status int, proto string, reused bool) {
		t.Helper()
		body := []byte(adaBody)
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(),
			&httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}),
			http.MethodPost, ts.URL+"/lookup", bytes.NewReader(body))
		if sign {
			sr, err := signing.NewRequest([]byte(testKey), http.MethodPost, "/lookup", "", body, testNow)
			if err != nil {
				t.Fatal(err)
			}
			req.Header = sr.Header
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Proto, reused
	}
	if status, proto, _ := send(true); status != http.StatusOK || proto != "HTTP/2.0" {
		t.Fatalf("a signed lookup: %d over %s", status, proto)
	}
	if status, _, reused := send(true); status != http.StatusOK || !reused {
		t.Errorf("a second signed lookup: %d, on the same connection %v", status, reused)
	}
	if status, _, reused := send(false); status != http.StatusUnauthorized || !reused {
		t.Fatalf("an unsigned lookup: %d, on the same connection %v", status, reused)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		status, _, reused := send(true)
		if status != http.StatusOK {
			t.Fatalf("a signed lookup after the refusal: %d", status)
		}
		if !reused {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the connection of a refused request kept carrying requests")
		}
	}
}

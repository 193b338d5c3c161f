package check_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// failed names the checks of results that failed.
func failed(results []check.Result) []string {
	var out []string
	for _, r := range results {
		if !r.OK {
			out = append(out, r.Name+": "+r.Detail)
		}
	}
	return out
}

func run(t *testing.T, h http.Handler) []check.Result {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return check.Run(context.Background(), check.Options{URL: srv.URL + "/lookup", Key: []byte(key), Limit: 300 * time.Millisecond})
}

func TestOurAdaptorPasses(t *testing.T) {
	results := run(t, ours(t))
	if f := failed(results); len(f) > 0 || len(results) < 7 {
		t.Errorf("our adaptor: %d checks, failed: %v", len(results), f)
	}
}

// Small fake adaptors, each wrong in one way, fail the check that says so.
func TestFakesFail(t *testing.T) {
	answer := func(contentType, body string, delay time.Duration, checkSignature bool) http.Handler {
		real := ours(t)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if checkSignature && r.Header.Get("Gladly-Authorization") == "" {
				real.ServeHTTP(w, r) // refuses as we do
				return
			}
			if checkSignature {
				// Let the real adaptor judge the signature; answer our own way when it passes.
				rec := httptest.NewRecorder()
				real.ServeHTTP(rec, r)
				if rec.Code == http.StatusUnauthorized {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
			}
			time.Sleep(delay)
			w.Header().Set("Content-Type", contentType)
			_, _ = w.Write([]byte(body))
		})
	}
	for name, tc := range map[string]struct {
		h    http.Handler
		want string
	}{
		"HTML content type":    {answer("text/html", `{"results":[]}`, 0, true), `Content-Type "text/html", want application/json`},
		"numbers, not strings": {answer("application/json", `{"results":[{"externalCustomerId":7,"points":12}]}`, 0, true), "is a number, not a string"},
		"no signature check":   {answer("application/json", `{"results":[]}`, 0, false), "an unsigned request is refused with 401: answered 200 OK"},
		"too slow":             {answer("application/json", `{"results":[]}`, 500*time.Millisecond, true), "more than 300ms"},
		"two detailed results": {answer("application/json", `{"results":[{"externalCustomerId":"A"},{"externalCustomerId":"B"}]}`, 0, true), "at most one result"},
		"extra top-level key":  {answer("application/json", `{"results":[],"debug":"x"}`, 0, true), "the only top-level key must be results"},
	} {
		f := strings.Join(failed(run(t, tc.h)), "\n")
		if !strings.Contains(f, tc.want) {
			t.Errorf("%s: failed checks\n%s\nwant one saying %q", name, f, tc.want)
		}
	}
	results := check.Run(context.Background(), check.Options{URL: "http://127.0.0.1:1/lookup", Key: []byte(key)})
	if len(results) != 1 || results[0].OK {
		t.Errorf("nothing listening: %+v", results)
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

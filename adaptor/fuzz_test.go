package adaptor_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// FuzzLookupBody sends any body, correctly signed, through the whole chain: the answer must
// be 200 or 400 (never a 500 or a panic), and every 200 must follow docs/protocol.md, The answer. Seeds: every
// request of the replay corpus, and testdata/fuzz.
func FuzzLookupBody(f *testing.F) {
	requests, _ := filepath.Glob(filepath.Join(corpus, "*", "request.json"))
	for _, p := range requests {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	srv := newDemoServer(f, &signing.Verifier{Keys: [][]byte{[]byte(testKey)}, MaxSkew: time.Minute})
	f.Fuzz(func(t *testing.T, body []byte) {
		sr, err := signing.NewRequest([]byte(testKey), "POST", "/lookup", "", body, testNow)
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("POST", "/lookup", bytes.NewReader(body))
		r.Header = sr.Header
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK:
			assertWireRules(t, w.Body.Bytes())
		case http.StatusBadRequest:
			var e struct {
				Errors []struct{ Code string } `json:"errors"`
			}
			if json.Unmarshal(w.Body.Bytes(), &e) != nil || len(e.Errors) != 1 || e.Errors[0].Code != "invalid" {
				t.Fatalf("400 body %s", w.Body)
			}
		default:
			t.Fatalf("status %d for body %q: %s", w.Code, body, w.Body)
		}
	})
}

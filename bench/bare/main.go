// Command bare is the yardstick of docs/performance.md: a plain net/http handler that only verifies
// Gladly's signature over the raw body and writes a fixed answer. The adaptor's load figures
// are compared with this handler's, measured in the same run.
//
//	ADAPTOR_SIGNING_KEYS=k bare -addr 127.0.0.1:8081
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

var answer = []byte(`{"results":[]}`)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	flag.Parse()
	var keys [][]byte
	for _, k := range strings.Split(os.Getenv("ADAPTOR_SIGNING_KEYS"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, []byte(k))
		}
	}
	if len(keys) == 0 {
		log.Fatal("set ADAPTOR_SIGNING_KEYS")
	}
	v := &signing.Verifier{Keys: keys, MaxSkew: 5 * time.Minute}
	http.HandleFunc("POST /lookup", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		_, err = v.Verify(&signing.Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Host: r.Host, Header: r.Header, Body: body}, time.Now())
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}

package adaptor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/replay"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/postgres"
	"github.com/lookup-adaptor/lookup-adaptor/store/postgres/pgtest"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite/sqlitetest"
	"github.com/lookup-adaptor/lookup-adaptor/wirerules"
)

var update = flag.Bool("update", false, "rewrite response.json of every case under testdata/cases")

// corpus is the replay corpus (docs/data.md): every lookup scenario Gladly documents plus bad inputs
// and bad signatures. The same cases are replayed against a live server by `make replay`.
const corpus = "../testdata/cases"

// backends are the stores every golden answer must come from alike (postgres when the test
// server of pgtest is there).
var backends = map[string]func(t *testing.T) store.Store{
	"memory": func(t *testing.T) store.Store {
		m := memory.New(testNorm)
		loadDemo(t, m)
		return m
	},
	"postgres": func(t *testing.T) store.Store {
		ctx := context.Background()
		db, err := postgres.Open(ctx, postgres.Options{DSN: pgtest.Schema(t), Normalizer: testNorm})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		loadDemo(t, db)
		return db
	},
	"sqlite": func(t *testing.T) store.Store {
		db := sqlitetest.Open(t, filepath.Join(t.TempDir(), "demo.db"), testNorm)
		loadDemo(t, db)
		return db
	},
}

func TestLookupGoldens(t *testing.T) {
	cases, err := replay.Load(corpus)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 20 {
		t.Fatalf("the corpus holds %d cases, want at least 20", len(cases))
	}
	for _, backend := range []string{"memory", "sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			h := start(t, adaptor.Options{Store: backends[backend](t), Actions: demoActions(t)})
			for _, c := range cases {
				t.Run(c.Name, func(t *testing.T) {
					got, err := c.Do(context.Background(), http.DefaultClient, h.url+"/lookup", []byte(testKey), testNow)
					if *update && backend == "memory" {
						path := filepath.Join(c.Dir, "response.json")
						if werr := os.WriteFile(path, goldenJSON(t, got.Status, got.Body), 0o644); werr != nil {
							t.Fatal(werr)
						}
						return
					}
					if err != nil {
						t.Errorf("%s: %v", c.Name, err)
					}
					if got.Status == http.StatusOK && c.Target.Path == "" { // a lookup, not an action
						assertWireRules(t, got.Body)
					}
				})
			}
		})
	}
}

// goldenJSON renders an answer in the replay format, indented for review.
func goldenJSON(t *testing.T, status int, body []byte) []byte {
	t.Helper()
	out, err := json.MarshalIndent(struct {
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
	}{status, body}, "", "  ")
	if err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, body)
	}
	return append(out, '\n')
}

// assertWireRules fails the test for every rule of Gladly's a 200 answer breaks.
func assertWireRules(t *testing.T, body []byte) {
	t.Helper()
	for _, p := range wirerules.Problems(body, false) {
		t.Errorf("%s in %s", p, body)
	}
}

// TestConcurrentAnswersStayApart: answers are written from reused buffers, so lookups answered
// at the same time must each get exactly the answer they get alone.
func TestConcurrentAnswersStayApart(t *testing.T) {
	v := &signing.Verifier{Keys: [][]byte{[]byte(testKey)}, MaxSkew: 5 * time.Minute}
	srv := newDemoServer(t, v)
	var bodies []string
	for i := 1001; i <= 1012; i++ {
		bodies = append(bodies, fmt.Sprintf(`{"lookupLevel":"DETAILED","query":{"externalCustomerId":"C-%d"},"uniqueMatchRequired":true}`, i))
	}
	bodies = append(bodies,
		`{"lookupLevel":"BASIC","query":{"emails":["ada@example.com"],"phones":["+14155550123"]},"uniqueMatchRequired":false}`,
		`{"lookupLevel":"BASIC","query":{"email":"charles@example.com"},"uniqueMatchRequired":false}`)
	serve := func(body string) (int, string) {
		sr, err := signing.NewRequest([]byte(testKey), "POST", "/lookup", "", []byte(body), testNow)
		if err != nil {
			panic(err)
		}
		r := httptest.NewRequest("POST", "/lookup", bytes.NewReader(sr.Body))
		r.Header = sr.Header
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	want := make([]string, len(bodies))
	distinct := map[string]bool{}
	for i, b := range bodies {
		code, answer := serve(b)
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", b, code, answer)
		}
		want[i] = answer
		distinct[answer] = true
	}
	if len(distinct) < len(bodies)-2 {
		t.Fatalf("only %d distinct answers to %d lookups; the test needs different ones", len(distinct), len(bodies))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(bodies))
	for g := range 8 {
		wg.Go(func() {
			for n := range 50 {
				i := (g + n) % len(bodies)
				if code, got := serve(bodies[i]); code != http.StatusOK || got != want[i] {
					errs <- fmt.Sprintf("%s answered %d %s, want %s", bodies[i], code, got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

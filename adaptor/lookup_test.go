package adaptor_test

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/replay"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/postgres"
	"github.com/lookup-adaptor/lookup-adaptor/store/postgres/pgtest"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite"
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
		ctx := context.Background()
		db, err := sqlite.Open(ctx, sqlite.Options{DSN: filepath.Join(t.TempDir(), "demo.db"), Normalizer: testNorm, Create: true})
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

// assertWireRules checks the answer rules (docs/protocol.md) on a 200 answer: only "results"
// at the top, every result with
// an externalCustomerId, every leaf a string, no empty strings, known phone types.
func assertWireRules(t *testing.T, body []byte) {
	t.Helper()
	var top map[string]any
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatal(err)
	}
	if len(top) != 1 || top["results"] == nil {
		t.Fatalf("top level must be exactly results: %s", body)
	}
	for _, r := range top["results"].([]any) {
		res := r.(map[string]any)
		if id, _ := res["externalCustomerId"].(string); id == "" {
			t.Errorf("result without externalCustomerId: %v", res)
		}
		if attrs, ok := res["customAttributes"].(map[string]any); ok {
			for k, v := range attrs {
				if _, ok := v.(string); !ok {
					t.Errorf("customAttributes.%s is not a flat string", k)
				}
			}
		}
		phones, _ := res["phones"].([]any)
		for _, p := range phones {
			switch p.(map[string]any)["type"] {
			case "MOBILE", "HOME", "OFFICE", "OTHER":
			default:
				t.Errorf("bad phone type in %v", p)
			}
		}
		walkLeaves(t, res, "")
	}
}

func walkLeaves(t *testing.T, v any, path string) {
	switch x := v.(type) {
	case string:
		if x == "" {
			t.Errorf("%s is an empty string; absent values must be omitted", path)
		}
	case []any:
		for _, e := range x {
			walkLeaves(t, e, path+"[]")
		}
	case map[string]any:
		for k, e := range x {
			walkLeaves(t, e, path+"."+k)
		}
	default:
		t.Errorf("%s is %T, not a string", path, v)
	}
}

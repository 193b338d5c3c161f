package adaptor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite the golden answers under testdata/lookups")

// lookupCases are the scenarios Gladly documents, plus bad inputs; each answer is golden in
// testdata/lookups/<name>.json as {"status": …, "body": …} (the replay format of SPEC §8).
var lookupCases = []struct{ name, body string }{
	// auto-link
	{"autolink_no_email", `{"lookupLevel":"BASIC","query":{"id":"Qx7rT2mLQkGz1pWcYb3dNa","name":"Ada Lovelace","emails":[],"phones":[]},"uniqueMatchRequired":false}`},
	{"autolink_one_email_no_match", `{"lookupLevel":"BASIC","query":{"id":"g1","name":"Nobody","emails":["nobody@example.com"]},"uniqueMatchRequired":false}`},
	{"autolink_one_email_match", `{"lookupLevel":"BASIC","query":{"id":"g1","name":"Grace","emails":["grace@example.com"]},"uniqueMatchRequired":false}`},
	{"autolink_several_emails_one_match", `{"lookupLevel":"BASIC","query":{"id":"g1","emails":["nobody@example.com","  KATHERINE@example.com "]},"uniqueMatchRequired":false}`},
	{"autolink_several_matches", `{"lookupLevel":"BASIC","query":{"id":"g1","name":"Ada","emails":["ada@example.com"]},"uniqueMatchRequired":false}`},
	{"autolink_email_and_phone_rank_first", `{"lookupLevel":"BASIC","query":{"id":"g1","emails":["ada@example.com"],"phones":["+14155550123"]},"uniqueMatchRequired":false}`},
	{"autolink_phone_other_format", `{"lookupLevel":"BASIC","query":{"id":"g1","phones":["415.555.0199"]},"uniqueMatchRequired":false}`},
	{"autolink_unique_required_several", `{"lookupLevel":"BASIC","query":{"id":"g1","emails":["ada@example.com"]},"uniqueMatchRequired":true}`},
	{"autolink_name_alone_never_links", `{"lookupLevel":"BASIC","query":{"id":"g1","name":"Ada Lovelace","emails":["someone.else@example.com"]},"uniqueMatchRequired":false}`},
	// basic search
	{"search_no_match", `{"lookupLevel":"BASIC","query":{"id":"g1","name":"Nobody"},"uniqueMatchRequired":false}`},
	{"search_email", `{"lookupLevel":"BASIC","query":{"id":"g1","email":"Charles@Example.com"},"uniqueMatchRequired":false}`},
	{"search_phone", `{"lookupLevel":"BASIC","query":{"id":"g1","phone":"(757) 555-0168"},"uniqueMatchRequired":false}`},
	{"search_name", `{"lookupLevel":"BASIC","query":{"id":"g1","name":"ada"},"uniqueMatchRequired":false}`},
	{"search_first_and_last_name", `{"lookupLevel":"BASIC","query":{"id":"g1","firstName":"Ada","lastName":"Love"},"uniqueMatchRequired":false}`},
	{"search_order_number", `{"lookupLevel":"BASIC","query":{"id":"g1","orderNumber":"A-7001"},"uniqueMatchRequired":false}`},
	{"search_custom_attribute", `{"lookupLevel":"BASIC","query":{"id":"g1","tier":"Platinum"},"uniqueMatchRequired":false}`},
	{"search_external_id", `{"lookupLevel":"BASIC","query":{"id":"g1","externalCustomerId":"1011"},"uniqueMatchRequired":false}`},
	{"search_combined", `{"lookupLevel":"BASIC","query":{"id":"g1","name":"ada","tier":"gold"},"uniqueMatchRequired":false}`},
	{"search_combined_no_match", `{"lookupLevel":"BASIC","query":{"id":"g1","email":"ada@example.com","name":"grace"},"uniqueMatchRequired":false}`},
	{"search_empty_query", `{"lookupLevel":"BASIC","query":{"id":"g1","name":"","email":" "},"uniqueMatchRequired":false}`},
	{"search_bad_phone", `{"lookupLevel":"BASIC","query":{"id":"g1","phone":"not a phone"},"uniqueMatchRequired":false}`},
	// detailed
	{"detailed_every_transaction_type", `{"lookupLevel":"DETAILED","query":{"externalCustomerId":"C-1001","id":"g1","name":"Ada Lovelace","emails":["ada@example.com"],"phones":["+14155550123"]},"uniqueMatchRequired":true}`},
	{"detailed_unknown_id", `{"lookupLevel":"DETAILED","query":{"externalCustomerId":"C-9999","id":"g1"},"uniqueMatchRequired":true}`},
	{"detailed_flat_custom_attributes", `{"lookupLevel":"DETAILED","query":{"externalCustomerId":"C-1003","id":"g1","name":"Charles Babbage","tier":"platinum"},"uniqueMatchRequired":true}`},
	{"detailed_nested_custom_attributes", `{"lookupLevel":"DETAILED","query":{"externalCustomerId":"C-1003","id":"g1","customAttributes":{"tier":"platinum"}},"uniqueMatchRequired":true}`},
	{"detailed_numeric_id", `{"lookupLevel":"DETAILED","query":{"externalCustomerId":1011},"uniqueMatchRequired":true}`},
	// bad input
	{"bad_missing_id", `{"lookupLevel":"DETAILED","query":{"id":"g1","name":"Ada"},"uniqueMatchRequired":true}`},
	{"bad_not_json", `{"lookupLevel":"BASIC",`},
	{"bad_level", `{"lookupLevel":"FULL","query":{"email":"ada@example.com"}}`},
	{"bad_missing_level", `{"query":{"email":"ada@example.com"}}`},
	{"bad_missing_query", `{"lookupLevel":"BASIC"}`},
	{"bad_unique_type", `{"lookupLevel":"BASIC","query":{"email":"ada@example.com"},"uniqueMatchRequired":"yes"}`},
	{"bad_query_not_object", `{"lookupLevel":"BASIC","query":["ada@example.com"]}`},
	{"bad_emails_not_strings", `{"lookupLevel":"BASIC","query":{"emails":[42]}}`},
	{"bad_search_value_object", `{"lookupLevel":"BASIC","query":{"name":{"first":"Ada"}}}`},
}

// backends are the stores every golden answer must come from alike.
var backends = map[string]func(t *testing.T) store.Store{
	"memory": func(t *testing.T) store.Store {
		m := memory.New(testNorm)
		loadDemo(t, m)
		return m
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
	for _, backend := range []string{"memory", "sqlite"} {
		t.Run(backend, func(t *testing.T) {
			h := start(t, adaptor.Options{Store: backends[backend](t)})
			for _, tc := range lookupCases {
				t.Run(tc.name, func(t *testing.T) {
					resp, body := h.send(t, request{body: []byte(tc.body)})
					if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
						t.Errorf("Content-Type %q", ct)
					}
					got := goldenJSON(t, resp.StatusCode, body)
					path := filepath.Join("testdata", "lookups", tc.name+".json")
					if *update && backend == "memory" {
						if err := os.WriteFile(path, got, 0o644); err != nil {
							t.Fatal(err)
						}
					}
					want, err := os.ReadFile(path)
					if err != nil {
						t.Fatalf("%v (run make golden)", err)
					}
					if !bytes.Equal(got, want) {
						t.Errorf("answer differs from %s:\n%s", path, got)
					}
					if resp.StatusCode == http.StatusOK {
						assertWireRules(t, body)
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

// assertWireRules checks SPEC §4 on a 200 answer: only "results" at the top, every result with
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

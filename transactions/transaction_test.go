package transactions_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGoldenWire renders every input under testdata/input and compares the wire form with
// testdata/golden; `go test ./transactions -update` (make golden) rewrites the goldens.
func TestGoldenWire(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/input/*.json")
	if len(inputs) != len(transactions.Types) {
		t.Fatalf("want one input per type, found %d", len(inputs))
	}
	for _, in := range inputs {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			var items []json.RawMessage
			if err := json.Unmarshal(raw, &items); err != nil {
				t.Fatal(err)
			}
			var wires []json.RawMessage
			for i, item := range items {
				tx, err := transactions.Parse(item)
				if err != nil {
					t.Fatalf("item %d: %v", i, err)
				}
				if strings.ToLower(string(tx.Type()))+".json" != name {
					t.Errorf("item %d: type %s in %s", i, tx.Type(), name)
				}
				wires = append(wires, tx.Wire())
			}
			got, _ := json.MarshalIndent(wires, "", "  ")
			got = append(got, '\n')
			golden := filepath.Join("testdata/golden", name)
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run make golden)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("wire form differs from %s:\ngot\n%s", golden, got)
			}
			assertAllStrings(t, wires)
		})
	}
}

func TestValidation(t *testing.T) {
	cases := []struct {
		name, in, field, msg string
	}{
		{"unknown type", `{"type":"CAR","make":"x"}`, "type", "unknown transaction type"},
		{"missing type", `{"orderNumber":"1"}`, "type", "unknown transaction type"},
		{"lower-case type", `{"type":"order"}`, "type", "unknown transaction type"},
		{"not an object", `[1,2]`, "", "must be an object"},
		{"not JSON", `{"type":`, "", "not valid JSON"},
		{"a second object", `{"type":"GENERIC"} {"type":"GENERIC"}`, "", "trailing data"},
		{"a bracket after the object", `{"type":"GENERIC"}]`, "", "trailing data"},
		{"nested where not allowed", `{"type":"FLIGHT","seat":{"row":14}}`, "seat", "got an object"},
		{"array where scalar", `{"type":"GENERIC","tags":["a"]}`, "tags", "got an array"},
		{"products on FLIGHT", `{"type":"FLIGHT","products":[{"id":1}]}`, "products", "got an array"},
		{"fulfillments on SUBSCRIPTION", `{"type":"SUBSCRIPTION","fulfillments":[]}`, "fulfillments", "got an array"},
		{"nested in a product", `{"type":"ORDER","products":[{"id":1},{"id":2,"dims":{"w":1}}]}`, "products[1].dims", "got an object"},
		{"products not a list", `{"type":"ORDER","products":{"id":1}}`, "products", "want an array of objects"},
		{"product not an object", `{"type":"ORDER","products":[1]}`, "products[0]", "want an object"},
		{"productIds nested", `{"type":"ORDER","fulfillments":[{"productIds":[[1]]}]}`, "fulfillments[0].productIds[0]", "got an array"},
		{"address not an object", `{"type":"ORDER","billingAddress":"12 Analytical Way"}`, "billingAddress", "want an object"},
		{"address nested", `{"type":"ORDER","billingAddress":{"geo":{"lat":1}}}`, "billingAddress.geo", "got an object"},
		{"bad createdAt", `{"type":"ORDER","createdAt":"yesterday"}`, "createdAt", "not an ISO 8601"},
		{"numeric date", `{"type":"STAY","checkInDate":20261201}`, "checkInDate", "want an ISO 8601"},
		{"bad delivery date", `{"type":"ORDER","fulfillments":[{"estimatedDeliveryDate":"2026-13-01"}]}`, "fulfillments[0].estimatedDeliveryDate", "not an ISO 8601"},
		{"action without formUrl", `{"type":"ORDER","actions":[{"name":"Refund"}]}`, "actions[0].formUrl", "required"},
		{"huge exponent", `{"type":"GENERIC","n":1e999999}`, "n", "not a number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := transactions.Parse([]byte(tc.in))
			var fe *transactions.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a FieldError", err)
			}
			if fe.Field != tc.field || !strings.Contains(fe.Msg, tc.msg) {
				t.Errorf("got field %q msg %q; want field %q msg containing %q", fe.Field, fe.Msg, tc.field, tc.msg)
			}
		})
	}
}

func TestNewestFirstAndCapped(t *testing.T) {
	mk := func(js string) transactions.Transaction {
		tx, err := transactions.Parse([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	list := []transactions.Transaction{
		mk(`{"type":"GENERIC","n":"undated"}`),
		mk(`{"type":"ORDER","orderNumber":"old","createdAt":"2025-01-01T00:00:00Z"}`),
		mk(`{"type":"FLIGHT","confirmationCode":"by-departure","departureTime":"2026-06-01T00:00:00Z"}`),
		mk(`{"type":"STAY","confirmationNumber":"by-checkin","checkInDate":"2026-03-01"}`),
		mk(`{"type":"ORDER","orderNumber":"new","createdAt":"2026-10-01T00:00:00Z"}`),
		mk(`{"type":"SUBSCRIPTION","subscriptionId":"created-wins","startDate":"2027-01-01","createdAt":"2024-01-01T00:00:00Z"}`),
	}
	got := transactions.Newest(list, 4)
	var order []string
	for _, tx := range got {
		var m map[string]string
		_ = json.Unmarshal(tx.Wire(), &m)
		order = append(order, m["orderNumber"]+m["confirmationCode"]+m["confirmationNumber"]+m["subscriptionId"]+m["n"])
	}
	if want := "new by-departure by-checkin old"; strings.Join(order, " ") != want {
		t.Errorf("order %v, want %s", order, want)
	}
	if n := len(transactions.Newest(list, 100)); n != 6 {
		t.Errorf("cap above length kept %d", n)
	}
}

func TestNewFromGoTypes(t *testing.T) {
	tx, err := transactions.New(transactions.OrderTx{
		OrderNumber: "1001",
		CreatedAt:   time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC),
		ItemCount:   2,
		Products:    []transactions.Product{{ID: "1", Name: "Socks", Quantity: 2}},
		Fulfillments: []transactions.Fulfillment{{
			ProductIDs: []string{"1"}, EstimatedDeliveryDate: time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC),
		}},
		Extra: map[string]any{"giftWrapped": true, "weightKg": 1.25, "orderNumber": "override-ignored"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"createdAt":"2026-10-01T12:00:00Z","fulfillments":[{"estimatedDeliveryDate":"2026-10-05T00:00:00Z","productIds":["1"]}],"giftWrapped":"true","itemCount":"2","orderNumber":"1001","products":[{"id":"1","name":"Socks","quantity":"2"}],"type":"ORDER","weightKg":"1.25"}`
	if string(tx.Wire()) != want {
		t.Errorf("wire\n%s\nwant\n%s", tx.Wire(), want)
	}
	if _, err := transactions.New(transactions.GenericTx{Fields: map[string]any{"nested": map[string]any{"a": 1}}}); err == nil {
		t.Error("GenericTx with a nested field must fail")
	}
}

// assertAllStrings fails unless every leaf of v is a string.
func assertAllStrings(t *testing.T, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	var decoded any
	_ = json.Unmarshal(b, &decoded)
	if path, ok := nonString(decoded, ""); !ok {
		t.Errorf("non-string leaf at %s", path)
	}
}

func nonString(v any, path string) (string, bool) {
	switch x := v.(type) {
	case string:
		return "", true
	case []any:
		for i, e := range x {
			if p, ok := nonString(e, path+"["+strconv.Itoa(i)+"]"); !ok {
				return p, false
			}
		}
		return "", true
	case map[string]any:
		for k, e := range x {
			if p, ok := nonString(e, path+"."+k); !ok {
				return p, false
			}
		}
		return "", true
	}
	return path, false
}

// The rules for what Gladly's App Platform order mapping (gladly_order) reads wrong: a date
// that is not a full RFC 3339 date-time, and money whose number a pattern does not read whole.
func TestOrdersGladlyOrderMisreads(t *testing.T) {
	order := func(fields string) transactions.Transaction {
		tx, err := transactions.Parse([]byte(`{"type":"ORDER","orderNumber":"1","orderStatus":"shipped","currencyCode":"GBP",` + fields + `}`))
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	good := `"createdAt":"2026-10-01T12:00:00Z","orderTotal":"£1200.00","products":[{"id":"p","unitPrice":"£30","total":"£1200.00"}],` +
		`"fulfillments":[{"productIds":["p"],"status":"shipped","trackingNumber":"1Z","estimatedDeliveryDate":"2026-10-05T17:00:00+01:00"}]`
	if p := transactions.OrderProblems(order(good)); len(p) != 0 {
		t.Errorf("a ready order breaks %v", p)
	}
	for _, tc := range []struct {
		name, fields, rule string
	}{
		{"a date-only createdAt", strings.Replace(good, "2026-10-01T12:00:00Z", "2026-10-01", 1), transactions.RuleDateTimes},
		{"a date-only delivery date", strings.Replace(good, "2026-10-05T17:00:00+01:00", "2026-10-05", 1), transactions.RuleDateTimes},
		{"a thousands separator in the total", strings.Replace(good, `"orderTotal":"£1200.00"`, `"orderTotal":"£1,200.00"`, 1), transactions.RuleMoney},
		{"a thousands separator in a product total", strings.Replace(good, `"total":"£1200.00"`, `"total":"£1 200.00"`, 1), transactions.RuleMoney},
		{"a total with no number", strings.Replace(good, `"orderTotal":"£1200.00"`, `"orderTotal":"free"`, 1), transactions.RuleMoney},
	} {
		if p := transactions.OrderProblems(order(tc.fields)); !slices.Contains(p, tc.rule) {
			t.Errorf("%s: problems %v, want %q", tc.name, p, tc.rule)
		}
	}
}

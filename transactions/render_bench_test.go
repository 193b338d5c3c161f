package transactions_test

import (
	"encoding/json"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/scalar"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// order is a transaction as the demo seed and generate write them.
const order = `{"type":"ORDER","orderNumber":1001,"createdAt":"2026-10-01T12:00:00Z","orderStatus":"shipped","orderTotal":"$50.00","currencyCode":"USD","itemCount":3,` +
	`"products":[{"id":1,"name":"Socks","sku":"SOCK-1","quantity":2,"unitPrice":"$10.00"},{"id":2,"name":"Scarf","quantity":1,"unitPrice":"$30.00"}],` +
	`"fulfillments":[{"productIds":[1,2],"status":"delivered","carrier":"UPS","trackingNumber":"1Z1001"}]}`

// BenchmarkRender compares what seeding pays per transaction to render its wire form —
// transactions.Parse, the hand-written renderer that validates the schema as it writes — with
// the standard library doing the writing: decode, every scalar turned into its string, and
// json.Marshal (which sorts keys, as render does). Neither side's validation is counted for the
// standard library, so its figure is a floor. docs/performance.md records the figures.
//
//	go test ./transactions -run '^$' -bench Render -benchmem
func BenchmarkRender(b *testing.B) {
	raw := []byte(order)
	b.Run("render", func(b *testing.B) {
		for b.Loop() {
			if _, err := transactions.Parse(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		for b.Loop() {
			var v map[string]any
			if err := json.Unmarshal(raw, &v); err != nil {
				b.Fatal(err)
			}
			if _, err := json.Marshal(stringsOnly(v)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// stringsOnly turns every scalar of a decoded value into its wire string.
func stringsOnly(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = stringsOnly(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = stringsOnly(e)
		}
		return x
	}
	s, _ := scalar.Parse(v)
	return s.String()
}

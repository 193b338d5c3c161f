package sqlshared

import (
	"encoding/json"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/scalar"
	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// BenchmarkDetails compares decoding a customer's details column — every lookup decodes one per
// customer it answers — in its binary form with the same details as JSON through encoding/json.
// docs/performance.md records the figures against a whole lookup's cost.
//
//	go test ./store/sqlshared -run '^$' -bench Details -benchmem
func BenchmarkDetails(b *testing.B) {
	c := store.Customer{
		Emails: []string{"ada@example.com", "ada.lovelace@example.org"},
		Phones: []store.Phone{{Original: "+1 415 555 0123", E164: "+14155550123", Type: store.Mobile}},
		CustomAttributes: map[string]scalar.Scalar{"tier": scalar.String("gold"), "points": mustNumber(b, "1200"),
			"vip": scalar.Bool(true), "lifetimeValue": scalar.String("$1,234.50")},
	}
	binaryForm := EncodeDetails(&c)
	type jsonDetails struct {
		Emails []string
		Phones []store.Phone
		Attrs  map[string]struct {
			Kind scalar.Kind
			Text string
		}
	}
	jd := jsonDetails{Emails: c.Emails, Phones: c.Phones, Attrs: map[string]struct {
		Kind scalar.Kind
		Text string
	}{}}
	for k, v := range c.CustomAttributes {
		jd.Attrs[k] = struct {
			Kind scalar.Kind
			Text string
		}{v.Kind(), v.String()}
	}
	jsonForm, err := json.Marshal(jd)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("binary", func(b *testing.B) {
		for b.Loop() {
			var out store.Customer
			if err := DecodeDetails(binaryForm, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		for b.Loop() {
			var d jsonDetails
			if err := json.Unmarshal(jsonForm, &d); err != nil {
				b.Fatal(err)
			}
			out := store.Customer{Emails: d.Emails, Phones: d.Phones, CustomAttributes: make(map[string]scalar.Scalar, len(d.Attrs))}
			for k, v := range d.Attrs {
				out.CustomAttributes[k] = scalar.Restore(v.Kind, v.Text)
			}
		}
	})
}

func mustNumber(b *testing.B, lit string) scalar.Scalar {
	s, err := scalar.Number(lit)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

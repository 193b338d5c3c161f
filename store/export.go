package store

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"

	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// SeedJSON renders c as one seed record (docs/data.md), the inverse of ParseCustomer: loading what it
// writes gives a customer that every lookup answers alike. Numbers and booleans among the
// custom attributes stay JSON numbers and booleans; transactions are their wire form.
func SeedJSON(c *Customer) []byte {
	var b bytes.Buffer
	b.WriteString(`{"externalCustomerId":`)
	writeJSON(&b, c.ExternalID)
	if c.Name != "" {
		b.WriteString(`,"name":`)
		writeJSON(&b, c.Name)
	}
	if c.Address != "" {
		b.WriteString(`,"address":`)
		writeJSON(&b, c.Address)
	}
	if len(c.Emails) > 0 {
		b.WriteString(`,"emails":[`)
		for i, e := range c.Emails {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"original":`)
			writeJSON(&b, e)
			b.WriteByte('}')
		}
		b.WriteByte(']')
	}
	if len(c.Phones) > 0 {
		b.WriteString(`,"phones":[`)
		for i, p := range c.Phones {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"original":`)
			writeJSON(&b, p.Original)
			b.WriteString(`,"type":`)
			writeJSON(&b, string(p.Type))
			b.WriteByte('}')
		}
		b.WriteByte(']')
	}
	if len(c.CustomAttributes) > 0 {
		b.WriteString(`,"customAttributes":{`)
		for i, name := range slices.Sorted(maps.Keys(c.CustomAttributes)) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(&b, name)
			b.WriteByte(':')
			switch v := c.CustomAttributes[name]; v.Kind() {
			case transactions.KindNumber, transactions.KindBool:
				b.WriteString(v.String()) // already a JSON number or true/false
			default:
				writeJSON(&b, v.String())
			}
		}
		b.WriteByte('}')
	}
	if len(c.Transactions) > 0 {
		b.WriteString(`,"transactions":[`)
		for i, tx := range c.Transactions {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(tx.Wire())
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.Bytes()
}

// writeJSON writes s as a JSON string.
func writeJSON(b *bytes.Buffer, s string) {
	out, _ := json.Marshal(s) // a string always marshals
	b.Write(out)
}

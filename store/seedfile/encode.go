package seedfile

import (
	"encoding/json"

	"github.com/lookup-adaptor/lookup-adaptor/scalar"
	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// record is a customer as a seed file holds it.
type record struct {
	ExternalID       string            `json:"externalCustomerId"`
	Name             string            `json:"name,omitempty"`
	Address          string            `json:"address,omitempty"`
	Emails           []email           `json:"emails,omitempty"`
	Phones           []phone           `json:"phones,omitempty"`
	CustomAttributes map[string]any    `json:"customAttributes,omitempty"`
	Transactions     []json.RawMessage `json:"transactions,omitempty"`
}

type email struct {
	Original string `json:"original"`
}

type phone struct {
	Original string          `json:"original"`
	Type     store.PhoneType `json:"type"`
}

// Encode renders c as one seed record (docs/data.md), the inverse of ParseCustomer: loading what
// it writes gives a customer that every lookup answers alike. Numbers and booleans among the
// custom attributes stay JSON numbers and booleans; transactions are their wire form.
func Encode(c *store.Customer) ([]byte, error) {
	r := record{ExternalID: c.ExternalID, Name: c.Name, Address: c.Address}
	for _, e := range c.Emails {
		r.Emails = append(r.Emails, email{e})
	}
	for _, p := range c.Phones {
		r.Phones = append(r.Phones, phone{p.Original, p.Type})
	}
	if len(c.CustomAttributes) > 0 {
		r.CustomAttributes = make(map[string]any, len(c.CustomAttributes))
		for name, v := range c.CustomAttributes {
			switch v.Kind() {
			case scalar.KindNumber:
				r.CustomAttributes[name] = json.Number(v.String())
			case scalar.KindBool:
				r.CustomAttributes[name] = v.String() == "true"
			default:
				r.CustomAttributes[name] = v.String()
			}
		}
	}
	for _, tx := range c.Transactions {
		r.Transactions = append(r.Transactions, tx.Wire())
	}
	return json.Marshal(r)
}

package adaptor

import (
	"encoding/json"
	"strings"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// response is the answer body: results is the only top-level key (SPEC §4).
type response struct {
	Results []result `json:"results"`
}

// result is one customer on the wire. Every value is a string; absent values are omitted,
// because Gladly reads "" as "clear this attribute".
type result struct {
	ExternalCustomerID string            `json:"externalCustomerId"`
	Name               string            `json:"name,omitempty"`
	Address            string            `json:"address,omitempty"`
	Emails             []wireEmail       `json:"emails,omitempty"`
	Phones             []wirePhone       `json:"phones,omitempty"`
	CustomAttributes   map[string]string `json:"customAttributes,omitempty"`
	Transactions       []json.RawMessage `json:"transactions,omitempty"`
}

type wireEmail struct {
	Original string `json:"original"`
}

type wirePhone struct {
	Original string `json:"original"`
	Type     string `json:"type"`
}

// response renders customers; transactions go out only on DETAILED answers.
func (s *Server) response(found []store.Customer, withTransactions bool) response {
	out := response{Results: make([]result, 0, len(found))}
	for i := range found {
		out.Results = append(out.Results, s.result(&found[i], withTransactions))
	}
	return out
}

func (s *Server) result(c *store.Customer, withTransactions bool) result {
	r := result{
		ExternalCustomerID: c.ExternalID,
		Name:               strings.TrimSpace(c.Name),
		Address:            strings.TrimSpace(c.Address),
	}
	for _, e := range c.Emails {
		if e = strings.TrimSpace(e); e != "" {
			r.Emails = append(r.Emails, wireEmail{e})
		}
	}
	for _, p := range c.Phones {
		number := p.E164
		if number == "" {
			number, _ = s.opts.Normalizer.Phone(p.Original)
		}
		if number == "" {
			number = strings.TrimSpace(p.Original)
		}
		if number != "" {
			r.Phones = append(r.Phones, wirePhone{number, phoneType(p.Type)})
		}
	}
	for name, v := range c.CustomAttributes {
		if !v.IsZero() {
			if r.CustomAttributes == nil {
				r.CustomAttributes = make(map[string]string, len(c.CustomAttributes))
			}
			r.CustomAttributes[name] = v.String()
		}
	}
	if withTransactions {
		for _, tx := range c.Transactions {
			r.Transactions = append(r.Transactions, tx.Wire())
		}
	}
	return r
}

// phoneType maps a stored type onto the four Gladly accepts.
func phoneType(t store.PhoneType) string {
	switch t {
	case store.Mobile, store.Home, store.Office:
		return string(t)
	default:
		return string(store.Other)
	}
}

package adaptor

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// result is one customer on the wire. Every value is a string; absent values are omitted,
// because Gladly reads "" as "clear this attribute".
type result struct {
	ExternalCustomerID string                `json:"externalCustomerId"`
	Name               string                `json:"name,omitempty"`
	Address            string                `json:"address,omitempty"`
	Emails             []wireEmail           `json:"emails,omitempty"`
	Phones             []wirePhone           `json:"phones,omitempty"`
	CustomAttributes   map[string]string     `json:"customAttributes,omitempty"`
	Actions            []transactions.Action `json:"actions,omitempty"`
}

type wireEmail struct {
	Original string `json:"original"`
}

type wirePhone struct {
	Original string `json:"original"`
	Type     string `json:"type"`
}

// answerBuffers holds answer bodies for the next answers to be written into. A body is written
// to the connection before its lookup returns, and nothing keeps it, so the lookup puts it back.
var answerBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledAnswer is the largest buffer kept for reuse; a rare huge answer is left to the GC.
const maxPooledAnswer = 64 << 10

// encodeResponse appends the answer body to dst[:0]: {"results": […]} is its only key (docs/protocol.md, The
// answer). encoding/json renders each customer; a DETAILED answer (detailed) adds the actions
// that apply, and its transactions are spliced in as stored — compact JSON validated when they
// were loaded — instead of being re-validated on every answer.
func (s *Server) encodeResponse(dst []byte, found []store.Customer, detailed bool) ([]byte, error) {
	withTransactions := detailed
	size := 16
	for i := range found {
		size += 512
		if withTransactions {
			for _, tx := range found[i].Transactions {
				size += len(tx.Wire()) + 1
			}
		}
	}
	buf := append(slices.Grow(dst[:0], size), `{"results":[`...)
	for i := range found {
		if i > 0 {
			buf = append(buf, ',')
		}
		r := s.result(&found[i])
		if detailed && s.opts.Actions.Catalog != nil {
			r.Actions = s.profileActions(&found[i])
		}
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		txs := found[i].Transactions
		if !withTransactions || len(txs) == 0 {
			buf = append(buf, b...)
			continue
		}
		buf = append(buf, b[:len(b)-1]...) // reopen the object
		buf = append(buf, `,"transactions":[`...)
		for j, tx := range txs {
			if j > 0 {
				buf = append(buf, ',')
			}
			if s.opts.Actions.Catalog != nil {
				buf = append(buf, s.txWire(found[i].ExternalID, tx)...)
				continue
			}
			buf = append(buf, tx.Wire()...)
		}
		buf = append(buf, "]}"...)
	}
	return append(buf, "]}"...), nil
}

func (s *Server) result(c *store.Customer) result {
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

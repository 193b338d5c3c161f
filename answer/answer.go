// Package answer renders a customer as one result of a lookup answer (docs/protocol.md, The
// answer): every value a string, absent values left out, because Gladly reads "" as "clear
// this attribute".
//
// The part of a result that no setting changes — the profile: id, name, address, emails, phones
// and custom attributes — is rendered here, for the adaptor and for a backend that keeps it
// rendered beside the customer (Stored), so that a lookup copies bytes instead of encoding. What
// settings change (the actions, how many transactions, the phone region for numbers the store
// could not normalise) is added by the adaptor on every answer.
package answer

import (
	"encoding/json"
	"strings"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// profile is a result's profile on the wire, in the order Gladly's examples give the keys.
type profile struct {
	ExternalCustomerID string            `json:"externalCustomerId"`
	Name               string            `json:"name,omitempty"`
	Address            string            `json:"address,omitempty"`
	Emails             []email           `json:"emails,omitempty"`
	Phones             []phone           `json:"phones,omitempty"`
	CustomAttributes   map[string]string `json:"customAttributes,omitempty"`
}

type email struct {
	Original string `json:"original"`
}

type phone struct {
	Original string `json:"original"`
	Type     string `json:"type"`
}

// AppendProfile appends c's profile to dst as a JSON object left open — without its closing
// brace — so that the caller can add keys after it. normalize puts in E.164 form a phone the
// store gave no E164 for; a number it cannot normalise is sent as the store holds it.
func AppendProfile(dst []byte, c *store.Customer, normalize func(string) (string, bool)) []byte {
	if c.Profile != nil {
		return append(dst, c.Profile...)
	}
	return appendRendered(dst, c, normalize)
}

// appendRendered is AppendProfile rendering c's fields, whatever c.Profile holds.
func appendRendered(dst []byte, c *store.Customer, normalize func(string) (string, bool)) []byte {
	p := profile{
		ExternalCustomerID: c.ExternalID,
		Name:               strings.TrimSpace(c.Name),
		Address:            strings.TrimSpace(c.Address),
	}
	for _, e := range c.Emails {
		if e = strings.TrimSpace(e); e != "" {
			p.Emails = append(p.Emails, email{e})
		}
	}
	for _, ph := range c.Phones {
		number := ph.E164
		if number == "" && normalize != nil {
			number, _ = normalize(ph.Original)
		}
		if number == "" {
			number = strings.TrimSpace(ph.Original)
		}
		if number != "" {
			p.Phones = append(p.Phones, phone{number, phoneType(ph.Type)})
		}
	}
	for name, v := range c.CustomAttributes {
		if !v.IsZero() {
			if p.CustomAttributes == nil {
				p.CustomAttributes = make(map[string]string, len(c.CustomAttributes))
			}
			p.CustomAttributes[name] = v.String()
		}
	}
	b, err := json.Marshal(p)
	if err != nil { // strings and a map of strings always encode
		panic("answer: " + err.Error())
	}
	return append(dst, b[:len(b)-1]...)
}

// phoneType maps a stored phone type onto the four Gladly accepts.
func phoneType(t store.PhoneType) string {
	switch t {
	case store.Mobile, store.Home, store.Office:
		return string(t)
	default:
		return string(store.Other)
	}
}

// Version marks what Stored renders. It changes whenever AppendProfile renders anything
// differently, so that a profile kept by an earlier build is rendered afresh rather than
// served; a backend that keeps profiles puts it in its fingerprint of a customer, so that
// loading the same customer after an upgrade stores its profile anew.
const Version byte = 1

// Stored renders c's profile for a backend to keep beside it, tagged with the rendering's
// version; Profile reads it back. It is nil when the profile would depend on the serving
// configuration: a phone without E164 is normalised with the region serve runs with.
func Stored(c *store.Customer) []byte {
	for _, ph := range c.Phones {
		if ph.E164 == "" {
			return nil
		}
	}
	return appendRendered([]byte{Version}, c, nil)
}

// Profile is the profile in b as Stored rendered it, for store.Customer.Profile; nil when b is
// empty or holds an earlier build's rendering.
func Profile(b []byte) []byte {
	if len(b) < 2 || b[0] != Version {
		return nil
	}
	return b[1:len(b):len(b)]
}

package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strings"
)

// Keys are the normalised values a customer is found by; every backend indexes these.
type Keys struct {
	Emails      []string          // NormalizeEmail of each email
	Phones      []string          // E.164 of each phone that parses
	NameWords   []string          // NameWords of the name
	Attributes  map[string]string // custom attribute name → lower-case string form
	Identifiers [][2]string       // transaction identifier field/value pairs
}

// Keys fills in c.Phones[i].E164 where it is empty and returns the values c is found by.
func (n *Normalizer) Keys(c *Customer) Keys {
	k := Keys{NameWords: NameWords(c.Name)}
	for _, e := range c.Emails {
		if e = NormalizeEmail(e); e != "" && !slices.Contains(k.Emails, e) {
			k.Emails = append(k.Emails, e)
		}
	}
	for i := range c.Phones {
		if c.Phones[i].E164 == "" {
			c.Phones[i].E164, _ = n.Phone(c.Phones[i].Original)
		}
		if e := c.Phones[i].E164; e != "" && !slices.Contains(k.Phones, e) {
			k.Phones = append(k.Phones, e)
		}
	}
	if len(c.CustomAttributes) > 0 {
		k.Attributes = make(map[string]string, len(c.CustomAttributes))
		for name, v := range c.CustomAttributes {
			k.Attributes[name] = AttributeKey(v.String())
		}
	}
	for _, tx := range c.Transactions {
		k.Identifiers = append(k.Identifiers, tx.Identifiers()...)
	}
	return k
}

// Links reports whether a customer with these keys shares an email, and a phone, with q: the
// customer is an auto-link candidate when either is true, ranked first when both are.
func (k Keys) Links(q Link) (email, phone bool) {
	return overlaps(k.Emails, q.Emails), overlaps(k.Phones, q.Phones)
}

// Matches reports whether the customer with externalID and these keys matches every field of
// q. An empty q matches nobody.
func (k Keys) Matches(externalID string, q Search) bool {
	if q.IsEmpty() ||
		q.ExternalID != "" && q.ExternalID != externalID ||
		q.Email != "" && !slices.Contains(k.Emails, q.Email) ||
		q.Phone != "" && !slices.Contains(k.Phones, q.Phone) ||
		!HasNameWords(k.NameWords, q.NameWords) {
		return false
	}
	for field, value := range q.Identifiers {
		if !slices.Contains(k.Identifiers, [2]string{field, value}) {
			return false
		}
	}
	for name, value := range q.Attributes {
		if v, ok := k.Attributes[name]; !ok || v != AttributeKey(value) {
			return false
		}
	}
	return true
}

// overlaps reports whether a and b share a value.
func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// AttributeKey is the form custom attribute values are compared in: trimmed, lower case.
func AttributeKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Fingerprint is a digest of everything a Customer holds; a backend compares fingerprints to
// leave an identical customer untouched when it is loaded again.
func Fingerprint(c *Customer) string {
	h := sha256.New()
	field := func(s string) {
		var n [binary.MaxVarintLen64]byte
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	field(c.ExternalID)
	field(c.Name)
	field(c.Address)
	for _, e := range c.Emails {
		field("e")
		field(e)
	}
	for _, p := range c.Phones {
		field("p")
		field(p.Original)
		field(p.E164)
		field(string(p.Type))
	}
	names := make([]string, 0, len(c.CustomAttributes))
	for name := range c.CustomAttributes {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		v := c.CustomAttributes[name]
		field("a")
		field(name)
		field(string(rune('0' + v.Kind())))
		field(v.String())
	}
	for _, tx := range c.Transactions {
		field("t")
		field(string(tx.Wire()))
	}
	return hex.EncodeToString(h.Sum(nil))
}

package sqlite

import (
	"encoding/binary"
	"errors"
	"sort"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// customers.details holds what an answer needs besides the columns — emails, phones, custom
// attributes — as length-prefixed fields: a uvarint count per list, then per item its strings,
// each a uvarint length and the bytes (an attribute's kind is one more uvarint). It decodes in a
// fraction of the time JSON takes, which matters on every lookup, and needs no escaping.

func encodeDetails(c *store.Customer) []byte {
	b := binary.AppendUvarint(nil, uint64(len(c.Emails)))
	for _, e := range c.Emails {
		b = appendString(b, e)
	}
	b = binary.AppendUvarint(b, uint64(len(c.Phones)))
	for _, p := range c.Phones {
		b = appendString(appendString(appendString(b, p.Original), p.E164), string(p.Type))
	}
	names := make([]string, 0, len(c.CustomAttributes))
	for name := range c.CustomAttributes {
		names = append(names, name)
	}
	sort.Strings(names)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, name := range names {
		v := c.CustomAttributes[name]
		b = appendString(binary.AppendUvarint(appendString(b, name), uint64(v.Kind())), v.String())
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

var errDetails = errors.New("malformed details")

// detailsReader reads encodeDetails' format; the first error sticks.
type detailsReader struct {
	b   []byte
	err error
}

func (r *detailsReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v > uint64(len(r.b)) { // no count or length can exceed what is left
		r.err = errDetails
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *detailsReader) string() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errDetails
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func decodeDetails(b []byte, c *store.Customer) error {
	r := &detailsReader{b: b}
	if n := r.uvarint(); n > 0 {
		c.Emails = make([]string, n)
		for i := range c.Emails {
			c.Emails[i] = r.string()
		}
	}
	if n := r.uvarint(); n > 0 {
		c.Phones = make([]store.Phone, n)
		for i := range c.Phones {
			c.Phones[i] = store.Phone{Original: r.string(), E164: r.string(), Type: store.PhoneType(r.string())}
		}
	}
	if n := r.uvarint(); n > 0 {
		c.CustomAttributes = make(map[string]transactions.Scalar, n)
		for range n {
			name, kind := r.string(), r.uvarint()
			c.CustomAttributes[name] = transactions.Restore(transactions.ScalarKind(kind), r.string())
		}
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = errDetails
	}
	return r.err
}

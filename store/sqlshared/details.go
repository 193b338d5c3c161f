// Package sqlshared is what the SQL backends (store/sqlite, store/postgres) genuinely share:
// the row codec — the binary encoding of a customer's details column and the one-column form of
// its transactions — and the conditions a basic search is made of. The dialects stay in the
// backends.
package sqlshared

import (
	"bytes"
	"cmp"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/scalar"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// The details column holds what an answer needs besides the plain columns — emails, phones,
// custom attributes — as length-prefixed fields: a uvarint count per list, then per item its
// strings, each a uvarint length and the bytes (an attribute's kind is one more uvarint). It
// decodes in a fraction of the time JSON takes, which matters on every lookup, and needs no
// escaping.

// EncodeDetails renders c's emails, phones and custom attributes as a details column.
func EncodeDetails(c *store.Customer) []byte {
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
	slices.Sort(names)
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

// detailsReader reads EncodeDetails' format; the first error sticks.
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

// DecodeDetails fills c's emails, phones and custom attributes from a details column; corrupt
// bytes are an error, never a panic or a huge allocation.
func DecodeDetails(b []byte, c *store.Customer) error {
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
		c.CustomAttributes = make(map[string]scalar.Scalar, n)
		for range n {
			name, kind := r.string(), r.uvarint()
			c.CustomAttributes[name] = scalar.Restore(scalar.Kind(kind), r.string())
		}
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = errDetails
	}
	return r.err
}

// The transactions column: a customer's transactions read in the same statement as the
// customer (so that a concurrent load cannot mix two versions, and they cross the driver once),
// each "seq US type US sort_time US wire" and joined by RS — JSON text never holds a raw
// control character, so neither separator can occur inside one. seq is the rank newest first
// and sort_time Unix microseconds. SQLite stores it rendered, 64 items to a row
// (AppendTransactionItem), and joins a customer's rows with group_concat; PostgreSQL builds it
// with string_agg. The items may come in any order: group_concat keeps one only with an ORDER
// BY, which costs SQLite a sort into a temporary table on every lookup, so the order is put
// right here instead, where it is almost always right already.

// AppendTransactionItem appends one item of a transactions column, tx of rank seq, for a store
// that renders the column ahead of time; items are joined by RS (0x1e).
func AppendTransactionItem(b []byte, seq int, tx transactions.Transaction) []byte {
	b = strconv.AppendInt(b, int64(seq), 10)
	b = append(b, 0x1f)
	b = append(b, tx.Type()...)
	b = append(b, 0x1f)
	b = strconv.AppendInt(b, tx.Date().UnixMicro(), 10)
	b = append(b, 0x1f)
	return append(b, tx.Wire()...)
}

// SplitTransactions parses a transactions column, newest first; empty is none. The wire forms
// are slices of b, which the transactions keep: b must not change afterwards.
func SplitTransactions(b []byte) ([]transactions.Transaction, error) {
	if len(b) == 0 {
		return nil, nil
	}
	type ranked struct {
		seq int64
		tx  transactions.Transaction
	}
	items := make([]ranked, 0, bytes.Count(b, []byte{0x1e})+1)
	for item := range bytes.SplitSeq(b, []byte{0x1e}) {
		seqText, rest, ok1 := bytes.Cut(item, []byte{0x1f})
		typ, rest, ok2 := bytes.Cut(rest, []byte{0x1f})
		sortTime, wire, ok3 := bytes.Cut(rest, []byte{0x1f})
		seq, err4 := strconv.ParseInt(string(seqText), 10, 64)
		micros, err5 := strconv.ParseInt(string(sortTime), 10, 64)
		if !ok1 || !ok2 || !ok3 || err4 != nil || err5 != nil {
			return nil, errors.New("malformed transaction row")
		}
		tx := transactions.Load(typeOf(typ), time.UnixMicro(micros).UTC(), wire[:len(wire):len(wire)])
		items = append(items, ranked{seq, tx})
	}
	bySeq := func(a, b ranked) int { return cmp.Compare(a.seq, b.seq) }
	if !slices.IsSortedFunc(items, bySeq) {
		slices.SortFunc(items, bySeq)
	}
	out := make([]transactions.Transaction, len(items))
	for i, it := range items {
		out[i] = it.tx
	}
	return out, nil
}

// typeOf is the transaction type named b, without allocating for the five known ones.
func typeOf(b []byte) transactions.Type {
	for _, t := range transactions.Types {
		if string(b) == string(t) {
			return t
		}
	}
	return transactions.Type(b)
}

// Customer is a customer read back from its columns.
func Customer(externalID, name, address string, details, txs []byte) (store.Customer, error) {
	c := store.Customer{ExternalID: externalID, Name: name, Address: address}
	if err := DecodeDetails(details, &c); err != nil {
		return c, fmt.Errorf("customer %s details: %w", externalID, err)
	}
	var err error
	if c.Transactions, err = SplitTransactions(txs); err != nil {
		return c, fmt.Errorf("customer %s transactions: %w", externalID, err)
	}
	return c, nil
}

// FoundCustomer is a backend's answer to store.Store.Customer, given err from reading the
// customer's row (sql.ErrNoRows when there is none) and decode to build it from the row;
// backend names the errors.
func FoundCustomer(backend string, err error, decode func() (store.Customer, error)) (store.Customer, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return store.Customer{}, fmt.Errorf("%s: %w", backend, store.ErrNotFound)
	}
	if err != nil {
		return store.Customer{}, fmt.Errorf("%s: customer: %w", backend, err)
	}
	c, err := decode()
	if err != nil {
		return c, fmt.Errorf("%s: customer: %w", backend, err)
	}
	return c, nil
}

// Package transactions holds the five transaction types Gladly shows on a customer — ORDER,
// FLIGHT, STAY, SUBSCRIPTION and GENERIC — their validation when data is loaded, and their
// string-only wire form (docs/protocol.md, The answer and Transactions).
//
// A Transaction is validated and rendered once, when it is parsed (from seed JSON with Parse or
// FromValue, from Go values with New); answering a lookup only copies its wire bytes. Every
// scalar becomes a string by the rules of Scalar; nesting is allowed only where Gladly allows it
// (products, fulfillments, addresses, actions); any other flat field is kept as given.
//
// The package does no I/O.
package transactions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/internal/jsonvalue"
	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
	"github.com/lookup-adaptor/lookup-adaptor/scalar"
)

// FieldError is a validation failure; Field is the path of the field at fault, such as
// "products[1].quantity".
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return "transactions: " + e.Msg
	}
	return "transactions: " + e.Field + ": " + e.Msg
}

// Transaction is a validated transaction in its wire form. The zero value is not valid; values
// are immutable and safe to share between goroutines.
type Transaction struct {
	typ  Type
	date time.Time
	wire json.RawMessage
	ids  [][2]string // identifier field/value pairs, when known
}

// Type returns the transaction type.
func (t Transaction) Type() Type { return t.typ }

// Date returns the time it is ordered by: createdAt, else the type's main date (FLIGHT
// departureTime, STAY checkInDate, SUBSCRIPTION startDate); zero when it has none.
func (t Transaction) Date() time.Time { return t.date }

// Wire returns the string-only JSON object sent to Gladly. Callers must not modify it.
func (t Transaction) Wire() json.RawMessage { return t.wire }

// MarshalJSON writes the wire form.
func (t Transaction) MarshalJSON() ([]byte, error) { return t.wire, nil }

// Load rebuilds a Transaction from the Type, Date and Wire a backend stored after a successful
// Parse. It does not validate again: wire must be exactly what Wire returned, since answers
// embed it as it is.
func Load(typ Type, date time.Time, wire []byte) Transaction {
	return Transaction{typ: typ, date: date, wire: wire}
}

// Parse validates one transaction given as a JSON object and renders its wire form.
func Parse(raw []byte) (Transaction, error) {
	v, err := jsonvalue.Decode(raw)
	if errors.Is(err, jsonvalue.ErrTrailing) {
		return Transaction{}, &FieldError{Msg: "trailing data after the JSON object"}
	}
	if err != nil {
		return Transaction{}, &FieldError{Msg: "not valid JSON"}
	}
	return FromValue(v)
}

// FromValue validates one transaction already decoded by encoding/json (with UseNumber, so
// numbers stay exact) and renders its wire form.
func FromValue(v any) (Transaction, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return Transaction{}, &FieldError{Msg: "a transaction must be an object, got " + scalar.TypeName(v)}
	}
	name, _ := obj["type"].(string)
	typ := Type(name)
	sch, ok := schemas[typ]
	if !ok {
		return Transaction{}, &FieldError{Field: "type", Msg: fmt.Sprintf("unknown transaction type %s; want one of %s", quoted(obj["type"]), typeList())}
	}
	var top topValues
	scratch := wireBuffers.Get().(*[]byte)
	defer wireBuffers.Put(scratch)
	b, _, err := render((*scratch)[:0], obj, sch, &top)
	if err != nil {
		return Transaction{}, err
	}
	*scratch = b
	wire := bytes.Clone(b)
	date := sortDate(&top, typ)
	var ids [][2]string
	for _, f := range IdentifierFields {
		if v, ok := top.lookup(f); ok {
			ids = append(ids, [2]string{f, v})
		}
	}
	return Transaction{typ: typ, date: date, wire: wire, ids: ids}, nil
}

// Newest orders ts newest first by Date (undated last, ties in their given order) and keeps at
// most max of them. It sorts ts in place.
func Newest(ts []Transaction, max int) []Transaction {
	slices.SortStableFunc(ts, func(a, b Transaction) int { return b.date.Compare(a.date) })
	if max >= 0 && len(ts) > max {
		ts = ts[:max]
	}
	return ts
}

// wireBuffers hold the buffers transactions are rendered into, so that each wire form is
// allocated once, at its size.
var wireBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// topValues are the top-level values of a rendered transaction that FromValue reads its date
// and identifiers from: those of the fields in topFields.
type topValues struct {
	n      int
	fields [8]struct{ key, value string }
}

// topFields are the fields whose values topValues keeps: createdAt, each type's main date and
// the identifier fields.
var topFields = func() map[string]bool {
	m := map[string]bool{"createdAt": true}
	for _, f := range mainDate {
		m[f] = true
	}
	for _, f := range IdentifierFields {
		m[f] = true
	}
	if len(m) > len(topValues{}.fields) {
		panic("transactions: topValues has no room for every field of topFields")
	}
	return m
}()

// keep notes field k's value s, if it is one of topFields; an object holds each key once.
func (t *topValues) keep(k, s string) {
	if topFields[k] {
		t.fields[t.n].key, t.fields[t.n].value = k, s
		t.n++
	}
}

// lookup finds the value of key.
func (t *topValues) lookup(key string) (string, bool) {
	for _, f := range t.fields[:t.n] {
		if f.key == key {
			return f.value, true
		}
	}
	return "", false
}

// render validates obj against sch and appends its wire form to b: strings, lists of strings,
// and nested objects only where sch allows them, keys sorted and strings escaped byte for byte
// as json.Marshal writes them. Absent values (null, "") are dropped, and so are lists and
// nested objects left empty. It reports how many fields it wrote and, when top is not nil,
// keeps there the values of the object's topFields. Error paths are relative to obj; callers
// rendering a nested object put them under its own (under).
func render(b []byte, obj map[string]any, sch *schema, top *topValues) ([]byte, int, error) {
	type member struct {
		k string
		v any
	}
	var room [16]member // most objects fit, without an allocation
	members := room[:0]
	for k, v := range obj {
		members = append(members, member{k, v})
	}
	// The wire order, and the first bad field is reported deterministically.
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.k, b.k) })
	b = append(b, '{')
	written := 0
	var have uint64 // bit i: sch.required[i] was written
	for _, m := range members {
		k, v := m.k, m.v
		if v == nil {
			continue
		}
		mark := len(b)
		if written > 0 {
			b = append(b, ',')
		}
		b = append(appendWireString(b, k), ':')
		var n int // how many items the value holds; 0 drops it
		var err error
		b, n, err = renderValue(b, k, v, sch, top)
		if err != nil {
			return nil, 0, err
		}
		if n == 0 {
			b = b[:mark]
			continue
		}
		written++
		if i := slices.Index(sch.required, k); i >= 0 {
			have |= 1 << i
		}
	}
	for i, k := range sch.required {
		if have&(1<<i) == 0 {
			return nil, 0, &FieldError{Field: k, Msg: "required"}
		}
	}
	return append(b, '}'), written, nil
}

// renderValue appends the wire form of field k, holding v, and how many items it holds (0:
// nothing to send; 1 for a string).
func renderValue(b []byte, k string, v any, sch *schema, top *topValues) ([]byte, int, error) {
	switch sch.fields[k] {
	case shapeDate:
		s, ok := v.(string)
		if !ok {
			return nil, 0, &FieldError{Field: k, Msg: "want an ISO 8601 date or time as a string, got " + scalar.TypeName(v)}
		}
		if s == "" {
			return b, 0, nil
		}
		d, err := normaliseDate(s)
		if err != nil {
			return nil, 0, &FieldError{Field: k, Msg: err.Error()}
		}
		return appendTop(b, k, d, top), 1, nil
	case shapeScalarList:
		list, ok := v.([]any)
		if !ok {
			return nil, 0, &FieldError{Field: k, Msg: "want an array, got " + scalar.TypeName(v)}
		}
		b = append(b, '[')
		n := 0
		for i, item := range list {
			s, err := scalar.Parse(item)
			if err != nil {
				return nil, 0, &FieldError{Field: fmt.Sprintf("%s[%d]", k, i), Msg: err.Error()}
			}
			if s.IsZero() {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			b = appendWireString(b, s.String())
			n++
		}
		return append(b, ']'), n, nil
	case shapeObject:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, 0, &FieldError{Field: k, Msg: "want an object, got " + scalar.TypeName(v)}
		}
		b, n, err := render(b, m, sch.nested[k], nil)
		if err != nil {
			return nil, 0, under(err, k)
		}
		return b, n, nil
	case shapeObjectList:
		list, ok := v.([]any)
		if !ok {
			return nil, 0, &FieldError{Field: k, Msg: "want an array of objects, got " + scalar.TypeName(v)}
		}
		b = append(b, '[')
		for i, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				return nil, 0, &FieldError{Field: fmt.Sprintf("%s[%d]", k, i), Msg: "want an object, got " + scalar.TypeName(item)}
			}
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, _, err = render(b, m, sch.nested[k], nil); err != nil {
				return nil, 0, under(err, fmt.Sprintf("%s[%d]", k, i))
			}
		}
		return append(b, ']'), len(list), nil
	default: // shapeScalar, every field the schema does not list
		s, err := scalar.Parse(v)
		if err != nil {
			return nil, 0, &FieldError{Field: k, Msg: err.Error() + "; nesting is allowed only in products, fulfillments, addresses and actions"}
		}
		if s.IsZero() {
			return b, 0, nil
		}
		return appendTop(b, k, s.String(), top), 1, nil
	}
}

// appendTop appends the string value s of field k, noting it in top when top is not nil.
func appendTop(b []byte, k, s string, top *topValues) []byte {
	if top != nil {
		top.keep(k, s)
	}
	return appendWireString(b, s)
}

// dateLayouts are the ISO 8601 forms accepted for date fields; a time without a zone is UTC.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04"}

// normaliseDate renders an ISO 8601 date as itself and a time as RFC 3339 in UTC.
func normaliseDate(s string) (string, error) {
	if len(s) == len(time.DateOnly) { // nothing longer or shorter can parse as one
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t.Format(time.DateOnly), nil
		}
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format(time.RFC3339Nano), nil
		}
	}
	return "", fmt.Errorf("%q is not an ISO 8601 date (2026-10-01) or time (2026-10-01T12:00:00Z)", text.Truncate(s, 40))
}

// sortDate picks the ordering date from a rendered transaction's top-level values.
func sortDate(top *topValues, typ Type) time.Time {
	for _, name := range []string{"createdAt", mainDate[typ]} {
		s, _ := top.lookup(name)
		if s == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// under puts a FieldError from rendering a nested object under the object's path.
func under(err error, path string) error {
	if fe, ok := err.(*FieldError); ok {
		return &FieldError{Field: join(path, fe.Field), Msg: fe.Msg}
	}
	return err
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func typeList() string {
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// quoted shows a user-supplied value in an error message, bounded.
func quoted(v any) string {
	if v == nil {
		return "(missing)"
	}
	b, _ := json.Marshal(v)
	return text.Truncate(string(b), 40)
}

// IdentifierFields are the fields that name a transaction to a person — an order number, a
// booking's confirmation code. Stores index them so an agent can find a customer by one.
var IdentifierFields = []string{"orderNumber", "confirmationCode", "confirmationNumber", "subscriptionId"}

// Identifiers returns the identifier fields t carries, in IdentifierFields order, as
// field/value pairs. Transactions rebuilt by Load find them in the wire form.
func (t Transaction) Identifiers() [][2]string {
	if t.ids != nil {
		return t.ids
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(t.wire, &top) != nil {
		return nil
	}
	var ids [][2]string
	for _, f := range IdentifierFields {
		var v string
		if raw, ok := top[f]; ok && json.Unmarshal(raw, &v) == nil && v != "" {
			ids = append(ids, [2]string{f, v})
		}
	}
	return ids
}

// Package seedfile reads and writes seed files (docs/data.md): customers, one per line (.jsonl)
// or in a JSON array (.json), with tombstones and an optional end line; each record parsed on
// every core, checked against Limits, and named by file and line when it is bad. Encode writes
// a customer back as a record, for export.
package seedfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lookup-adaptor/lookup-adaptor/internal/jsonvalue"
	"github.com/lookup-adaptor/lookup-adaptor/internal/ordered"
	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
	"github.com/lookup-adaptor/lookup-adaptor/scalar"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// maxLine bounds one line of a .jsonl file, so a file without newlines cannot exhaust memory.
const maxLine = 16 << 20

// Limits bound each record of a seed (docs/data.md): a record past them is refused, naming
// its file, line and field. A NUL character is refused anywhere, whatever the limits.
type Limits struct {
	MaxRecordBytes    int // one record as written
	MaxTextChars      int // a name or an address, in characters
	MaxAttributes     int // custom attributes of one customer
	MaxAttributeChars int // one custom attribute's value, in characters
}

// DefaultLimits are the limits Read applies: generous for any real customer, and small
// enough that one record cannot make a lookup answer megabytes.
func DefaultLimits() Limits {
	return Limits{MaxRecordBytes: 1 << 20, MaxTextChars: 1000, MaxAttributes: 100, MaxAttributeChars: 4000}
}

// Read streams the customers of a seed file (docs/data.md) from r with DefaultLimits.
// name decides the format — ".jsonl" is one customer per line, anything else a JSON array —
// and names the file in errors. Records are parsed on every core and yielded in file order;
// memory stays flat however large the file, with a few batches of records per core in flight.
//
// A .jsonl file may end with {"end": true, "records": N}: then N must be the number of records
// before it, or the read ends with an error — the way a producer proves its output was not cut
// off.
func Read(r io.Reader, name string) store.Records {
	return DefaultLimits().Read(r, name)
}

// Read is the package's Read with the limits l.
func (l Limits) Read(r io.Reader, name string) store.Records {
	if strings.EqualFold(filepath.Ext(name), ".jsonl") {
		return l.parseAll(name, readLines(r, name, l.MaxRecordBytes))
	}
	return l.parseAll(name, readArray(r, name, l.MaxRecordBytes))
}

// Problems lists what makes c break l, as a seed record would be refused for it ("name:
// 1,204 characters, more than 1000"); nil when it is within them. export warns with it about
// records stored before the limits.
func (l Limits) Problems(c *store.Customer) []string {
	var out []string
	text := func(field, s string, limit int) {
		if n := utf8.RuneCountInString(s); n > limit {
			out = append(out, fmt.Sprintf("%s: %d characters, more than %d", field, n, limit))
		}
		if strings.IndexByte(s, 0) >= 0 {
			out = append(out, field+": a NUL character")
		}
	}
	text("name", c.Name, l.MaxTextChars)
	text("address", c.Address, l.MaxTextChars)
	if n := len(c.CustomAttributes); n > l.MaxAttributes {
		out = append(out, fmt.Sprintf("customAttributes: %d attributes, more than %d", n, l.MaxAttributes))
	}
	for _, k := range slices.Sorted(maps.Keys(c.CustomAttributes)) {
		text("customAttributes."+k, c.CustomAttributes[k].String(), l.MaxAttributeChars)
	}
	return out
}

// rawRecord is one record as read from a seed file, before it is parsed: its bytes and place
// (line in a .jsonl file, index in a .json array), or the error that ended the reading.
type rawRecord struct {
	raw         []byte
	line, index int
	err         error
}

func readLines(r io.Reader, name string, maxRecord int) iter.Seq[rawRecord] {
	return func(yield func(rawRecord) bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), maxLine)
		line := 0
		for sc.Scan() {
			line++
			raw := bytes.TrimSpace(sc.Bytes())
			if len(raw) == 0 {
				continue
			}
			if len(raw) > maxRecord {
				yield(rawRecord{err: &store.RecordError{File: name, Line: line, Msg: fmt.Sprintf("a record of %d bytes, more than %d", len(raw), maxRecord)}})
				return
			}
			if !yield(rawRecord{raw: bytes.Clone(raw), line: line, index: line - 1}) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield(rawRecord{err: &store.RecordError{File: name, Line: line + 1, Msg: readError(err)}})
		}
	}
}

func readArray(r io.Reader, name string, maxRecord int) iter.Seq[rawRecord] {
	return func(yield func(rawRecord) bool) {
		dec := json.NewDecoder(bufio.NewReaderSize(r, 256<<10))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			yield(rawRecord{err: &store.RecordError{File: name, Msg: "a .json seed file must hold a JSON array of customers (use .jsonl for one per line)"}})
			return
		}
		for i := 0; dec.More(); i++ {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				yield(rawRecord{err: &store.RecordError{File: name, Index: i, Msg: "not valid JSON: " + err.Error()}})
				return
			}
			if len(raw) > maxRecord {
				yield(rawRecord{err: &store.RecordError{File: name, Index: i, Msg: fmt.Sprintf("a record of %d bytes, more than %d", len(raw), maxRecord)}})
				return
			}
			if !yield(rawRecord{raw: raw, index: i}) {
				return
			}
		}
		if _, err := dec.Token(); err != nil {
			yield(rawRecord{err: &store.RecordError{File: name, Msg: "the JSON array is not closed: " + err.Error()}})
		}
	}
}

// parseAll parses what read yields on every core — decoding and validating a record costs far
// more than reading it — and yields the records in the order read, checking an end line.
func (l Limits) parseAll(name string, read iter.Seq[rawRecord]) store.Records {
	type parsed struct {
		r   store.Record
		end int // N of an end line; -1 for a record
		err error
	}
	all := ordered.Map(read, func(in rawRecord) parsed {
		if in.err != nil {
			return parsed{end: -1, err: in.err}
		}
		r, end, err := l.parseRecord(in.raw, in.line > 0)
		if err != nil {
			err = placed(err, name, in.line, in.index)
		}
		r.Place = store.Place(name, in.line, in.index)
		return parsed{r, end, err}
	})
	return func(yield func(store.Record, error) bool) {
		read, endAt := 0, ""
		for p := range all {
			switch {
			case endAt != "":
				p.err = fmt.Errorf("%s: a record after the end line (%s)", p.r.Place, endAt)
			case p.end >= 0 && p.end != read:
				p.err = fmt.Errorf("%s: the end line counts %d records, but %d came before it: the file was cut off or changed", p.r.Place, p.end, read)
			case p.end >= 0:
				endAt = p.r.Place
				continue
			}
			read++
			if !yield(p.r, p.err) || p.err != nil && endAt != "" {
				return
			}
		}
	}
}

// parseRecord decodes and checks one record; a line {"end": true, "records": N} (lines only)
// returns N as end, and -1 for any other record.
func (l Limits) parseRecord(raw []byte, lines bool) (r store.Record, end int, err error) {
	if hasNUL(raw) {
		return store.Record{}, -1, &store.RecordError{Msg: "a NUL character (\\u0000); seed data may not hold one"}
	}
	v, err := jsonvalue.Decode(raw)
	if err != nil {
		return store.Record{}, -1, &store.RecordError{Msg: "not a valid JSON object on one line"}
	}
	if obj, ok := v.(map[string]any); ok && lines {
		if _, isEnd := obj["end"]; isEnd {
			end, err := endLine(obj)
			return store.Record{}, end, err
		}
	}
	r, err = ParseRecord(v)
	if err == nil && !r.Deleted {
		if problems := l.Problems(&r.Customer); len(problems) > 0 {
			field, msg, _ := strings.Cut(problems[0], ": ")
			err = fieldError(field, msg)
		}
	}
	return r, -1, err
}

// endLine reads {"end": true, "records": N}.
func endLine(obj map[string]any) (int, error) {
	const want = `the end line is {"end": true, "records": N}, N the records before it`
	n, ok := obj["records"].(json.Number)
	count, err := n.Int64()
	if len(obj) != 2 || obj["end"] != true || !ok || err != nil || count < 0 {
		return -1, &store.RecordError{Field: "end", Msg: want}
	}
	return int(count), nil
}

// hasNUL reports whether the JSON text raw holds a NUL character, raw or as the escape \u0000
// (whose backslash is not itself escaped).
func hasNUL(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case 0:
			return true
		case '\\':
			if i+5 < len(raw) && raw[i+1] == 'u' && string(raw[i+2:i+6]) == "0000" {
				return true
			}
			i++ // the escaped character
		}
	}
	return false
}

// ParseRecord converts one seed record, decoded by encoding/json with UseNumber: a customer
// (see ParseCustomer) or a tombstone, {"externalCustomerId": …, "deleted": true} with no other
// field. Errors are *RecordError naming the field.
func ParseRecord(v any) (store.Record, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return store.Record{}, &store.RecordError{Msg: "a customer must be a JSON object"}
	}
	deleted, present := obj["deleted"]
	if !present {
		c, err := ParseCustomer(obj)
		return store.Record{Customer: c}, err
	}
	if deleted != true {
		return store.Record{}, fieldError("deleted", "want true (a tombstone), or leave it out")
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if k != "deleted" && k != "externalCustomerId" {
			return store.Record{}, fieldError(k, "a tombstone holds only externalCustomerId and deleted")
		}
	}
	id, err := externalID(obj)
	return store.Record{Customer: store.Customer{ExternalID: id}, Deleted: true}, err
}

func readError(err error) string {
	if errors.Is(err, bufio.ErrTooLong) {
		return fmt.Sprintf("line longer than %d bytes", maxLine)
	}
	return err.Error()
}

// placed adds the file and place to a record error.
func placed(err error, file string, line, index int) error {
	var re *store.RecordError
	if !errors.As(err, &re) {
		re = &store.RecordError{Msg: err.Error()}
	}
	re.File, re.Line, re.Index = file, line, index
	return re
}

// Prefetch reads records ahead in a goroutine, up to n at a time, so that parsing a seed file
// runs in parallel with writing it. Stopping early stops the reader.
func Prefetch(records store.Records, n int) store.Records {
	type item struct {
		r   store.Record
		err error
	}
	return func(yield func(store.Record, error) bool) {
		ch := make(chan item, n)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			defer close(ch)
			for r, err := range records {
				select {
				case ch <- item{r, err}:
				case <-stop:
					return
				}
			}
		}()
		for it := range ch {
			if !yield(it.r, it.err) {
				return
			}
		}
	}
}

// seedFields are the keys a seed customer may have.
var seedFields = []string{"externalCustomerId", "name", "address", "emails", "phones", "customAttributes", "transactions"}

// ParseCustomer converts one seed customer, decoded by encoding/json with UseNumber, into a
// Customer. Scalars may be any JSON scalar; emails and phones may be strings or objects
// ({"original": …, "type": …}); a phone without a type is OTHER. Errors are *RecordError naming
// the field.
func ParseCustomer(v any) (store.Customer, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return store.Customer{}, &store.RecordError{Msg: "a customer must be a JSON object"}
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if !slices.Contains(seedFields, k) {
			msg := "unknown field"
			if near := text.Nearest(k, seedFields); near != "" {
				msg += " (did you mean " + near + "?)"
			}
			return store.Customer{}, fieldError(k, msg+"; want one of "+strings.Join(seedFields, ", "))
		}
	}
	var c store.Customer
	var err error
	if c.ExternalID, err = externalID(obj); err != nil {
		return c, err
	}
	if c.Name, err = scalarText(obj, "name"); err != nil {
		return c, err
	}
	if c.Address, err = scalarText(obj, "address"); err != nil {
		return c, err
	}
	if c.Emails, err = parseEmails(obj["emails"]); err != nil {
		return c, err
	}
	if c.Phones, err = parsePhones(obj["phones"]); err != nil {
		return c, err
	}
	if c.CustomAttributes, err = parseAttributes(obj["customAttributes"]); err != nil {
		return c, err
	}
	c.Transactions, err = parseTransactions(obj["transactions"])
	return c, err
}

// externalID reads the required externalCustomerId, a string or a number.
func externalID(obj map[string]any) (string, error) {
	id, err := scalarText(obj, "externalCustomerId")
	if err != nil {
		return "", err
	}
	if id = strings.TrimSpace(id); id == "" {
		return "", fieldError("externalCustomerId", "required")
	}
	return id, nil
}

func scalarText(obj map[string]any, key string) (string, error) {
	s, err := scalar.Parse(obj[key])
	if err != nil {
		return "", fieldError(key, err.Error())
	}
	return s.String(), nil
}

func parseEmails(v any) ([]string, error) {
	items, err := list(v, "emails")
	if err != nil {
		return nil, err
	}
	var out []string
	for i, item := range items {
		field := fmt.Sprintf("emails[%d]", i)
		if m, ok := item.(map[string]any); ok {
			item, field = m["original"], field+".original"
		}
		s, ok := item.(string)
		if !ok {
			return nil, fieldError(field, "want an email address as a string")
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

func parsePhones(v any) ([]store.Phone, error) {
	items, err := list(v, "phones")
	if err != nil {
		return nil, err
	}
	var out []store.Phone
	for i, item := range items {
		field := fmt.Sprintf("phones[%d]", i)
		p := store.Phone{Type: store.Other}
		switch x := item.(type) {
		case string:
			p.Original = x
		case map[string]any:
			s, ok := x["original"].(string)
			if !ok {
				return nil, fieldError(field+".original", "want a phone number as a string")
			}
			p.Original = s
			if t, present := x["type"]; present {
				name, _ := t.(string)
				p.Type = store.PhoneType(strings.ToUpper(name))
				if !slices.Contains([]string{string(store.Mobile), string(store.Home), string(store.Office), string(store.Other)}, string(p.Type)) {
					return nil, fieldError(field+".type", "want MOBILE, HOME, OFFICE or OTHER")
				}
			}
		default:
			return nil, fieldError(field, "want a string or an object with original and type")
		}
		if p.Original = strings.TrimSpace(p.Original); p.Original != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

func parseAttributes(v any) (map[string]scalar.Scalar, error) {
	if v == nil {
		return nil, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fieldError("customAttributes", "want an object of flat values")
	}
	out := make(map[string]scalar.Scalar, len(obj))
	for k, val := range obj {
		s, err := scalar.Parse(val)
		if err != nil {
			return nil, fieldError("customAttributes."+k, err.Error()+"; custom attributes are flat")
		}
		if !s.IsZero() {
			out[k] = s
		}
	}
	return out, nil
}

func parseTransactions(v any) ([]transactions.Transaction, error) {
	items, err := list(v, "transactions")
	if err != nil {
		return nil, err
	}
	out := make([]transactions.Transaction, 0, len(items))
	for i, item := range items {
		tx, err := transactions.FromValue(item)
		if err != nil {
			var fe *transactions.FieldError
			if errors.As(err, &fe) {
				return nil, fieldError(fmt.Sprintf("transactions[%d]", i)+dotted(fe.Field), fe.Msg)
			}
			return nil, err
		}
		out = append(out, tx)
	}
	return out, nil
}

func list(v any, field string) ([]any, error) {
	if v == nil {
		return nil, nil
	}
	items, ok := v.([]any)
	if !ok {
		return nil, fieldError(field, "want an array")
	}
	return items, nil
}

func fieldError(field, msg string) error { return &store.RecordError{Field: field, Msg: msg} }

func dotted(field string) string {
	if field == "" {
		return ""
	}
	return "." + field
}

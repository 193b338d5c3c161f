// Package jsonvalue decodes one JSON text into the generic values encoding/json produces with
// UseNumber — map[string]any, []any, string, json.Number, bool and nil — value for value the
// same, including how it repairs strings: each byte of invalid UTF-8 and each unpaired
// surrogate escape becomes U+FFFD, and of duplicate keys the last wins. It is the seed loader's
// decoder, where encoding/json's generic decoding was half the cost of parsing a record: this
// one reads the text once, without a state machine per byte, and sizes each object's map
// before filling it.
//
// Unlike a json.Decoder, it rejects anything but white space after the value.
package jsonvalue

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds how deeply arrays and objects nest, as encoding/json's limit does.
const MaxDepth = 10000

// Decode parses data, which must hold exactly one JSON value.
func Decode(data []byte) (any, error) {
	d := decoders.Get().(*decoder)
	defer d.release()
	d.data, d.pos = data, 0
	d.space()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if d.space(); d.pos < len(d.data) {
		return nil, fmt.Errorf("%w: %w", ErrTrailing, d.fail("after the value"))
	}
	return v, nil
}

// ErrTrailing is wrapped by Decode's error when a whole value was read but more follows it.
var ErrTrailing = errors.New("jsonvalue: data after the value")

// decoders are reused, with their stacks and the keys they have seen: a seed file repeats the
// same few dozen keys in every record.
var decoders = sync.Pool{New: func() any { return &decoder{keys: make(map[string]string)} }}

// Bounds on the keys a decoder keeps for reuse, so that a file of ever new keys cannot grow it.
const (
	maxKeys   = 1024
	maxKeyLen = 64
)

// release empties d for its next use and returns it to the pool.
func (d *decoder) release() {
	clear(d.members[:cap(d.members)]) // drop the references to values already returned
	clear(d.items[:cap(d.items)])
	d.data, d.members, d.items = nil, d.members[:0], d.items[:0]
	decoders.Put(d)
}

// decoder reads data from pos on. The members and items of the objects and arrays being read
// are stacked, nested ones above their parents', so that each finished object or array is
// allocated once at its final size; keys holds the object keys it has made, to share them.
type decoder struct {
	data    []byte
	pos     int
	members []member
	items   []any
	keys    map[string]string
}

func (d *decoder) fail(what string) error {
	if d.pos >= len(d.data) {
		return fmt.Errorf("jsonvalue: unexpected end of input %s", what)
	}
	return fmt.Errorf("jsonvalue: unexpected %q at offset %d %s", d.data[d.pos], d.pos, what)
}

// space skips white space as JSON defines it.
func (d *decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

var errDepth = errors.New("jsonvalue: exceeded max depth")

func (d *decoder) value(depth int) (any, error) {
	if d.pos >= len(d.data) {
		return nil, d.fail("looking for a value")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		if depth >= MaxDepth {
			return nil, errDepth
		}
		return d.object(depth + 1)
	case c == '[':
		if depth >= MaxDepth {
			return nil, errDepth
		}
		return d.array(depth + 1)
	case c == '"':
		return d.string()
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, d.fail("looking for a value")
}

func (d *decoder) literal(word string) error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return d.fail("in a literal")
	}
	d.pos += len(word)
	return nil
}

// member is one key and value of an object, before the object's map is made.
type member struct {
	key   string
	value any
}

func (d *decoder) object(depth int) (any, error) {
	base := len(d.members)
	defer func() { d.members = d.members[:base] }()
	if d.opens('}') {
		return map[string]any{}, nil
	}
	for {
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.fail("looking for a key")
		}
		key, err := d.key()
		if err != nil {
			return nil, err
		}
		if d.space(); d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.fail("after a key")
		}
		d.pos++
		d.space()
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		d.members = append(d.members, member{key, v})
		closed, err := d.next('}', "in an object")
		if err != nil {
			return nil, err
		}
		if closed {
			m := make(map[string]any, len(d.members)-base)
			for _, mb := range d.members[base:] {
				m[mb.key] = mb.value
			}
			return m, nil
		}
	}
}

func (d *decoder) array(depth int) (any, error) {
	base := len(d.items)
	defer func() { d.items = d.items[:base] }()
	if d.opens(']') {
		return []any{}, nil
	}
	for {
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		d.items = append(d.items, v)
		closed, err := d.next(']', "in an array")
		if err != nil {
			return nil, err
		}
		if closed {
			return append([]any(nil), d.items[base:]...), nil
		}
	}
}

// opens steps past the opening byte of an object or array and the white space after it, and
// past the closing byte too when the container is empty, which it reports.
func (d *decoder) opens(closing byte) bool {
	d.pos++
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == closing {
		d.pos++
		return true
	}
	return false
}

// next steps past what follows a member or item: a comma and the white space after it, or the
// closing byte, which it reports; anything else is an error where (in an object, an array).
func (d *decoder) next(closing byte, where string) (closed bool, err error) {
	if d.space(); d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.space()
			return false, nil
		case closing:
			d.pos++
			return true, nil
		}
	}
	return false, d.fail(where)
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? as a json.Number.
func (d *decoder) number() (any, error) {
	start := d.pos
	if d.data[d.pos] == '-' {
		d.pos++
	}
	switch {
	case d.pos < len(d.data) && d.data[d.pos] == '0':
		d.pos++
	case d.digits() == 0:
		return nil, d.fail("in a number")
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if d.digits() == 0 {
			return nil, d.fail("in a number")
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if d.digits() == 0 {
			return nil, d.fail("in a number")
		}
	}
	return json.Number(d.data[start:d.pos]), nil
}

// digits skips decimal digits and says how many.
func (d *decoder) digits() int {
	start := d.pos
	for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
		d.pos++
	}
	return d.pos - start
}

// plainEnd scans a string at pos (its opening quote) for the first byte that is its closing
// quote or needs repair: an escape, a control byte, non-ASCII. It returns where that byte is,
// and whether it is the closing quote (the string is plain ASCII and needs no repair).
func (d *decoder) plainEnd() (int, bool) {
	for i := d.pos + 1; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			return i, true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return i, false
		}
	}
	return len(d.data), false
}

// string reads a string at pos (its opening quote). Plain ASCII, the usual case, is one copy;
// anything else is repaired as encoding/json does.
func (d *decoder) string() (string, error) {
	start := d.pos + 1
	end, plain := d.plainEnd()
	if plain {
		d.pos = end + 1
		return string(d.data[start:end]), nil
	}
	d.pos = end
	if end == len(d.data) {
		return "", d.fail("in a string")
	}
	return d.slowString(start)
}

// key reads an object key at pos, sharing the string when the same plain key came before.
func (d *decoder) key() (string, error) {
	start := d.pos + 1
	end, plain := d.plainEnd()
	if !plain {
		return d.string()
	}
	raw := d.data[start:end]
	d.pos = end + 1
	if k, ok := d.keys[string(raw)]; ok {
		return k, nil
	}
	k := string(raw)
	if len(k) <= maxKeyLen && len(d.keys) < maxKeys {
		d.keys[k] = k
	}
	return k, nil
}

// slowString finishes a string begun at start that holds escapes, control bytes or non-ASCII.
func (d *decoder) slowString(start int) (string, error) {
	b := make([]byte, 0, d.pos-start+16)
	b = append(b, d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return string(b), nil
		case c < 0x20:
			return "", d.fail("in a string")
		case c == '\\':
			var err error
			if b, err = d.escape(b); err != nil {
				return "", err
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			d.pos++
		default:
			r, size := utf8.DecodeRune(d.data[d.pos:])
			d.pos += size
			b = utf8.AppendRune(b, r) // an invalid byte decodes as U+FFFD, size 1
		}
	}
	return "", d.fail("in a string")
}

// escape appends the character the escape at pos stands for.
func (d *decoder) escape(b []byte) ([]byte, error) {
	if d.pos+1 >= len(d.data) {
		d.pos = len(d.data)
		return nil, d.fail("in an escape")
	}
	c := d.data[d.pos+1]
	d.pos += 2
	switch c {
	case '"', '\\', '/':
		return append(b, c), nil
	case 'b':
		return append(b, '\b'), nil
	case 'f':
		return append(b, '\f'), nil
	case 'n':
		return append(b, '\n'), nil
	case 'r':
		return append(b, '\r'), nil
	case 't':
		return append(b, '\t'), nil
	case 'u':
		r, ok := d.hex4()
		if !ok {
			return nil, d.fail("in a \\u escape")
		}
		if utf16.IsSurrogate(r) {
			// A pair is two escapes in a row; anything else leaves the first unpaired.
			if d.pos+1 < len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
				save := d.pos
				d.pos += 2
				if r2, ok := d.hex4(); ok {
					if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
						return utf8.AppendRune(b, pair), nil
					}
				}
				d.pos = save
			}
			r = utf8.RuneError
		}
		return utf8.AppendRune(b, r), nil
	}
	d.pos -= 1
	return nil, d.fail("in an escape")
}

// hex4 reads four hex digits at pos.
func (d *decoder) hex4() (rune, bool) {
	if len(d.data)-d.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.pos : d.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	d.pos += 4
	return r, true
}

package transactions

import (
	"encoding/json"
	"slices"
)

// appendWire appends the JSON of a rendered value — a string, a list of strings, an object or a
// list of objects, which is all render produces — byte for byte as json.Marshal writes it: keys
// sorted, the same escapes. It is what loading spends much of its time on, and it needs none of
// encoding/json's reflection; anything else falls back to json.Marshal.
func appendWire(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return appendWireString(b, x), nil
	case []string:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendWireString(b, s)
		}
		return append(b, ']'), nil
	case map[string]any:
		if x == nil {
			return append(b, "null"...), nil
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendWireString(b, k), ':')
			var err error
			if b, err = appendWire(b, x[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []map[string]any:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, m := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendWire(b, m); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	default:
		out, err := json.Marshal(v)
		return append(b, out...), err
	}
}

// appendWireString appends s as a JSON string. Printable ASCII that json.Marshal leaves alone is
// copied; anything it would escape (quotes, backslashes, control bytes, <, > and &, and all
// non-ASCII, which includes invalid UTF-8 and U+2028/U+2029) goes through json.Marshal itself.
func appendWireString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] {
			out, _ := json.Marshal(s) // a string always marshals
			return append(b, out...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plainByte marks the bytes json.Marshal copies into a string as they are.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

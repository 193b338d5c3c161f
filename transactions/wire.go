package transactions

import "encoding/json"

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

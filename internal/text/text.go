// Package text holds how this project words text for people: shortening what a client or a
// remote chose (by bytes, never inside a UTF-8 sequence, marked with an ellipsis), and naming
// the near miss of a mistyped key.
package text

import "unicode/utf8"

// Truncate returns s when it is at most n bytes long; otherwise its first n bytes or fewer —
// never a part of a character — followed by "…".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Package mask hides personal data in what the logs and the console show: enough of an email or
// a phone number to tell two apart, never enough to read one.
package mask

import (
	"strings"

	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
)

// Email keeps the first character of the local part and of the domain, and the top-level
// domain: "ada@example.com" → "a***@e***.com".
func Email(s string) string {
	local, domain, ok := strings.Cut(strings.TrimSpace(s), "@")
	if !ok || local == "" {
		return "***"
	}
	return firstRune(local) + "***@" + maskDomain(domain)
}

// maskDomain keeps the first character and the top-level domain: "example.co.uk" → "e***.uk".
func maskDomain(domain string) string {
	name, tld, ok := cutLast(domain, ".")
	if name == "" {
		return "***"
	}
	if !ok || tld == "" {
		return firstRune(name) + "***"
	}
	return firstRune(name) + "***." + text.Truncate(tld, 16)
}

// cutLast is strings.Cut at the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// firstRune is s's first character (a whole UTF-8 sequence).
func firstRune(s string) string {
	for i := range s {
		if i > 0 {
			return s[:i]
		}
	}
	return s
}

// Phone keeps the last four digits: "+14155550123" → "***0123".
func Phone(s string) string {
	digits := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits = append(digits, s[i])
		}
	}
	if len(digits) <= 4 {
		return "***"
	}
	return "***" + string(digits[len(digits)-4:])
}

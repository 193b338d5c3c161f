package adaptor

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// maxLoggedFields bounds how many query fields the log line lists, and maxLoggedValues how many
// values of one field; the client chooses both.
const (
	maxLoggedFields = 20
	maxLoggedValues = 5
)

// maskedQuery summarises a lookup's query for the log without personal data: the field names,
// with emails and phones masked and the external id kept; other values are left out.
func maskedQuery(query rawObject) []string {
	keys := slices.DeleteFunc(slices.Sorted(maps.Keys(query)), func(k string) bool { return k == "id" })
	out := make([]string, 0, min(len(keys), maxLoggedFields+1))
	for i, k := range keys {
		if i == maxLoggedFields {
			out = append(out, "…")
			break
		}
		var mask func(string) string
		switch k {
		case "email", "emails":
			mask = maskEmail
		case "phone", "phones":
			mask = maskPhone
		case "externalCustomerId":
			mask = func(s string) string { return truncate(s, maxLoggedID) }
		}
		if mask == nil {
			out = append(out, truncate(k, maxLoggedID))
			continue
		}
		values := loggedStrings(query[k])
		for j, v := range values {
			if v != "…" {
				values[j] = mask(v)
			}
		}
		out = append(out, k+"="+strings.Join(values, ","))
	}
	return out
}

// loggedStrings reads at most maxLoggedValues strings from a raw string or array of strings,
// then "…" if there are more; other values give none.
func loggedStrings(raw json.RawMessage) []string {
	if s, ok := plainString(bytes.TrimSpace(raw)); ok {
		return []string{s}
	}
	if values, ok := plainStrings(raw, maxLoggedValues); ok {
		return values
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if len(raw) > 0 && raw[0] != '[' {
		if s, ok := decodeString(dec); ok {
			return []string{s}
		}
		return nil
	}
	if _, err := dec.Token(); err != nil {
		return nil
	}
	var values []string
	for dec.More() {
		if len(values) == maxLoggedValues {
			return append(values, "…")
		}
		if s, ok := decodeString(dec); ok {
			values = append(values, s)
		}
	}
	return values
}

// maskEmail keeps the first character of the local part and of the domain, and the top-level
// domain: "ada@example.com" → "a***@e***.com".
func maskEmail(s string) string {
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
	return firstRune(name) + "***." + truncate(tld, 16)
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

// maskPhone keeps the last four digits: "+14155550123" → "***0123".
func maskPhone(s string) string {
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

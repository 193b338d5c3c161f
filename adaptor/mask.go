package adaptor

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/lookup-adaptor/lookup-adaptor/internal/mask"
	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
)

// maxLoggedFields bounds how many query fields the log line lists, and maxLoggedValues how many
// values of one field; the client chooses both.
const (
	maxLoggedFields = 20
	maxLoggedValues = 5
)

// MaskedQuery summarises a lookup's query for the log and the console without personal data:
// the field names, with emails and phones masked and the external id kept; other values are
// left out.
func MaskedQuery(query map[string]json.RawMessage) []string {
	keys := slices.DeleteFunc(slices.Sorted(maps.Keys(query)), func(k string) bool { return k == "id" })
	out := make([]string, 0, min(len(keys), maxLoggedFields+1))
	for i, k := range keys {
		if i == maxLoggedFields {
			out = append(out, "…")
			break
		}
		var hide func(string) string
		switch k {
		case "email", "emails":
			hide = mask.Email
		case "phone", "phones":
			hide = mask.Phone
		case "externalCustomerId":
			hide = func(s string) string { return text.Truncate(s, maxLoggedID) }
		}
		if hide == nil {
			out = append(out, text.Truncate(k, maxLoggedID))
			continue
		}
		values := loggedStrings(query[k])
		for j, v := range values {
			if v != "…" {
				values[j] = hide(v)
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

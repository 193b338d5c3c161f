package adaptor

import (
	"sort"
	"strings"
)

// maxLoggedFields bounds how many query fields the log line lists; the client chooses them.
const maxLoggedFields = 20

// maskedQuery summarises a lookup's query for the log without personal data: the field names,
// with emails and phones masked and the external id kept; other values are left out.
func maskedQuery(query map[string]any) []string {
	keys := make([]string, 0, len(query))
	for k := range query {
		if k != "id" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
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
		var values []string
		switch v := query[k].(type) {
		case string:
			values = append(values, mask(v))
		case []any:
			for _, item := range v {
				if s, ok := item.(string); ok {
					values = append(values, mask(s))
				}
			}
		}
		out = append(out, k+"="+strings.Join(values, ","))
	}
	return out
}

// maskEmail keeps the first character and the domain: "ada@example.com" → "a***@example.com".
func maskEmail(s string) string {
	s = strings.TrimSpace(s)
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" {
		return "***"
	}
	return local[:1] + "***@" + truncate(domain, maxLoggedID)
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

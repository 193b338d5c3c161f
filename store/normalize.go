package store

import (
	"strings"
	"unicode"
)

// Normalizer puts phone numbers in E.164 form, reading numbers written without a country code
// as numbers of its default region: the form queries and customers' keys are compared in.
// phone.NewNormalizer (package store/phone) builds the one the server hands every store. It is
// safe for concurrent use.
type Normalizer struct {
	region string
	e164   func(string) (string, bool)
}

// NewNormalizer returns a Normalizer for region (an ISO 3166 code, upper case) that reads a
// trimmed, non-empty number with e164. Most callers want phone.NewNormalizer instead.
func NewNormalizer(region string, e164 func(string) (string, bool)) *Normalizer {
	return &Normalizer{region: region, e164: e164}
}

// Region is the default region.
func (n *Normalizer) Region() string { return n.region }

// Phone returns s in E.164 form ("+14155550123"), and false when s is not a possible phone
// number. "+1 (415) 555-0123" and, with region US, "415-555-0123" give the same result.
func (n *Normalizer) Phone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	return n.e164(s)
}

// NormalizeEmail trims and lower-cases an email address, the form emails are matched in.
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// NameWords splits a name into its distinct lower-case words, the units names are matched by:
// "Ada  Lovelace-Byron" gives [ada lovelace byron].
func NameWords(name string) []string {
	fields := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	words := fields[:0]
	seen := make(map[string]bool, len(fields))
	for _, w := range fields {
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}

// HasNameWords reports whether every prefix begins some word of words (both from NameWords).
func HasNameWords(words, prefixes []string) bool {
	for _, p := range prefixes {
		found := false
		for _, w := range words {
			if strings.HasPrefix(w, p) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

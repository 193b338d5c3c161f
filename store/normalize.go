package store

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// Normalizer puts phone numbers in E.164 form, reading numbers written without a country code
// as numbers of its default region. It is safe for concurrent use.
type Normalizer struct {
	region string
}

// NewNormalizer returns a Normalizer for the default region (an ISO 3166 code such as "US").
func NewNormalizer(region string) (*Normalizer, error) {
	region = strings.ToUpper(strings.TrimSpace(region))
	if phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return nil, fmt.Errorf("store: unknown phone region %q (matching.default_region)", region)
	}
	return &Normalizer{region: region}, nil
}

// Region is the default region, as NewNormalizer was given it (upper case).
func (n *Normalizer) Region() string { return n.region }

// Phone returns s in E.164 form ("+14155550123"), and false when s is not a possible phone
// number. "+1 (415) 555-0123" and, with region US, "415-555-0123" give the same result.
func (n *Normalizer) Phone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if e164, ok := nanpE164(s); ok {
		return e164, true
	}
	return libraryPhone(s, n.region)
}

// libraryPhone is Phone's answer as the phone number library gives it.
func libraryPhone(s, region string) (string, bool) {
	num, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}

// nanpE164 answers, without the library, for the form Gladly sends and most stores hold: a
// North American number written in full international form, "+14155550123", with single spaces
// allowed between digits ("+1 415 555 0123"). The library's answer for such a number is its
// digits after a "+", whatever the default region: the country code is 1, and since the next
// digit is 2–9 there is no national prefix ("1") to strip and no leading zero to keep, and ten
// digits is the possible length for country code 1. Anything else is left to the library
// (ok false); FuzzPhone checks the two agree.
func nanpE164(s string) (string, bool) {
	if len(s) < 12 || s[0] != '+' || s[1] != '1' {
		return "", false
	}
	var digits [11]byte
	n, spaced := 0, false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if n == len(digits) {
				return "", false
			}
			digits[n] = c
			n++
		case c == ' ' && s[i-1] != ' ' && s[i-1] != '+':
			spaced = true
		default:
			return "", false
		}
	}
	if n != len(digits) || digits[1] < '2' {
		return "", false
	}
	if !spaced {
		return s, true
	}
	return "+" + string(digits[:]), true
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

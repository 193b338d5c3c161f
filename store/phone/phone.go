// Package phone builds the store.Normalizer the server hands every store: E.164 by the
// phonenumbers library, with a fast path for the form Gladly sends.
package phone

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// NewNormalizer returns the Normalizer for the default region (an ISO 3166 code such as "US";
// matching.default_region), or an error when the library knows no such region.
func NewNormalizer(region string) (*store.Normalizer, error) {
	region = strings.ToUpper(strings.TrimSpace(region))
	if phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return nil, fmt.Errorf("phone: unknown region %q (matching.default_region)", region)
	}
	return store.NewNormalizer(region, func(s string) (string, bool) {
		if e164, ok := nanpE164(s); ok {
			return e164, true
		}
		return libraryPhone(s, region)
	}), nil
}

// libraryPhone is the phone number library's E.164 form of s read in region.
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

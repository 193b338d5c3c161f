// Package scalar is one value of a system of record — a string, a number, a boolean or a time —
// kept with its kind and rendered as Gladly wants every value: a string. Customers' custom
// attributes are Scalars, and so is every flat field of a transaction.
package scalar

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Kind is the JSON type a Scalar was loaded as.
type Kind uint8

// The kinds of Scalar.
const (
	KindString Kind = iota + 1
	KindNumber
	KindBool
	KindTime
)

// Scalar is one value of a system of record — a string, a number, a boolean or a time — kept
// with its kind and its wire text. Gladly accepts strings only, so String renders every kind by
// one rule set (docs/protocol.md, The answer): numbers without exponent or trailing zeros, booleans as true/false,
// times as RFC 3339 UTC. The zero Scalar is absent.
type Scalar struct {
	kind Kind
	text string
}

// String returns a string Scalar.
func String(s string) Scalar { return Scalar{KindString, s} }

// Bool returns a boolean Scalar.
func Bool(b bool) Scalar {
	if b {
		return Scalar{KindBool, "true"}
	}
	return Scalar{KindBool, "false"}
}

// Time returns a time Scalar, rendered in UTC.
func Time(t time.Time) Scalar { return Scalar{KindTime, t.UTC().Format(time.RFC3339Nano)} }

// Number returns a number Scalar from a JSON number literal, or an error if it is not one.
func Number(literal string) (Scalar, error) {
	text, err := formatNumber(literal)
	if err != nil {
		return Scalar{}, err
	}
	return Scalar{KindNumber, text}, nil
}

// Restore rebuilds a Scalar from the Kind and String a backend stored.
func Restore(kind Kind, text string) Scalar { return Scalar{kind, text} }

// Kind reports the kind the value was loaded as; 0 for the zero Scalar.
func (s Scalar) Kind() Kind { return s.kind }

// String returns the wire text.
func (s Scalar) String() string { return s.text }

// IsZero reports whether s is absent: the zero Scalar or an empty string. Absent values are
// omitted from answers, since Gladly reads "" as "clear this attribute".
func (s Scalar) IsZero() bool { return s.text == "" }

// MarshalJSON writes the wire form: always a JSON string.
func (s Scalar) MarshalJSON() ([]byte, error) { return json.Marshal(s.text) }

// Parse converts a value decoded by encoding/json with UseNumber into a Scalar. nil gives
// the zero Scalar; objects and arrays are errors.
func Parse(v any) (Scalar, error) {
	switch x := v.(type) {
	case nil:
		return Scalar{}, nil
	case string:
		return String(x), nil
	case bool:
		return Bool(x), nil
	case json.Number:
		return Number(x.String())
	case float64: // decoded without UseNumber
		return Number(json.Number(fmt.Sprint(x)).String())
	default:
		return Scalar{}, fmt.Errorf("want a string, number or boolean, got %s", TypeName(v))
	}
}

// formatNumber rewrites a JSON number literal in plain decimal notation, exactly: no exponent,
// no trailing fractional zeros, no leading zeros ("1.50e2" → "150", "19.990" → "19.99").
func formatNumber(lit string) (string, error) {
	if lit != "" && allDigits(lit) && (lit[0] != '0' || lit == "0") {
		return lit, nil // already plain: the common case of a count or an id
	}
	s := lit
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, expPart, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
		return "", notANumber(lit)
	}
	exp := 0
	if hasExp {
		n, err := parseExponent(expPart)
		if err != nil {
			return "", notANumber(lit)
		}
		exp = n
	}
	digits := intPart + frac
	point := len(intPart) + exp // position of the decimal point in digits
	switch {
	case point <= 0:
		digits = strings.Repeat("0", -point+1) + digits
		point = 1
	case point > len(digits):
		digits += strings.Repeat("0", point-len(digits))
	}
	whole := strings.TrimLeft(digits[:point], "0")
	if whole == "" {
		whole = "0"
	}
	out := whole
	if f := strings.TrimRight(digits[point:], "0"); f != "" {
		out += "." + f
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out, nil
}

func notANumber(lit string) error { return fmt.Errorf("%q is not a number", lit) }

// maxExponent bounds exponents so that "1e999999999" cannot allocate a gigabyte of zeros.
const maxExponent = 400

func parseExponent(s string) (int, error) {
	sign := 1
	switch {
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	case strings.HasPrefix(s, "-"):
		sign, s = -1, s[1:]
	}
	if s == "" || !allDigits(s) || len(s) > 3 {
		return 0, fmt.Errorf("bad exponent")
	}
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	if n > maxExponent {
		return 0, fmt.Errorf("exponent too large")
	}
	return sign * n, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// TypeName names the JSON type of a value decoded by encoding/json, for error messages: "an
// object", "an array", "null", or its Go type.
func TypeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%T", v)
	}
}

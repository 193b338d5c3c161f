package adaptor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"

	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
	"github.com/lookup-adaptor/lookup-adaptor/scalar"
	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// Level is Gladly's lookupLevel.
type Level string

// The two lookup levels.
const (
	LevelBasic    Level = "BASIC"
	LevelDetailed Level = "DETAILED"
)

// Bounds on one query (docs/protocol.md, The three lookups). Past them a lookup is a 400 naming the field, decided before
// the store is asked: client input is never a store failure.
const (
	maxSearchFields = 32 // fields one basic search combines (Gladly's id aside)
	maxNameWords    = 20 // name words of one search, over name, firstName and lastName
	maxQueryEmails  = 50 // emails of one auto-link
	maxQueryPhones  = 50 // phones of one auto-link
	maxAttrLen      = 64 // how much of a client-chosen field name an error answer repeats
)

// lookupRequest is the body Gladly POSTs (docs/protocol.md, The three lookups). Query values stay raw until the lookup
// reads the ones it needs, so that what a client sends is bounded before it is materialised.
type lookupRequest struct {
	LookupLevel         Level     `json:"lookupLevel" validate:"required,oneof=BASIC DETAILED"`
	Query               rawObject `json:"query" validate:"required"`
	UniqueMatchRequired bool      `json:"uniqueMatchRequired"`
}

// rawObject is a JSON object whose values are not decoded yet.
type rawObject map[string]json.RawMessage

// has reports whether the object holds key with a value other than null.
func (o rawObject) has(key string) bool {
	v, ok := o[key]
	return ok && !isNull(v)
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// lookup is a decoded, validated lookup: its kind and the one store query it asks. Resolving it
// only asks the store; every problem with the client's input was found while decoding.
type lookup struct {
	kind   LookupKind
	unique bool      // uniqueMatchRequired
	query  rawObject // as sent, for the masked log summary
	// none says the query cannot match anybody (no usable field), so the store is not asked.
	none   bool
	link   store.Link   // auto-link
	search store.Search // basic search
	id     string       // detailed lookup: the externalCustomerId
}

// newValidator reports fields by their JSON names.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		return name
	})
	return v
}

// decodeLookup parses, validates and classifies a lookup body into the store query it asks;
// every failure is a 400 naming the field.
func (s *Server) decodeLookup(body []byte) (*lookup, error) {
	req, err := s.decodeRequest(body)
	if err != nil {
		return nil, err
	}
	l := &lookup{unique: req.UniqueMatchRequired, query: req.Query}
	switch {
	case req.LookupLevel == LevelDetailed:
		l.kind = LookupDetailed
		l.id, err = detailedID(req.Query)
	case isAutoLink(req.Query):
		l.kind = LookupAutoLink
		l.link, err = s.autoLinkQuery(req.Query)
		l.none = len(l.link.Emails) == 0 && len(l.link.Phones) == 0
	default:
		l.kind = LookupSearch
		l.search, l.none, err = s.searchQuery(req.Query)
	}
	if err != nil {
		return nil, err
	}
	return l, nil
}

// decodeRequest parses one JSON object, and nothing but white space after it, and validates it.
func (s *Server) decodeRequest(body []byte) (*lookupRequest, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var req lookupRequest
	if err := dec.Decode(&req); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, invalid(typeErr.Field, fmt.Sprintf("must be %s, not %s", jsonKind(typeErr.Type), typeErr.Value))
		}
		return nil, &Error{Kind: KindInvalid, Detail: "the body is not a valid JSON object", Cause: err}
	}
	if len(bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n")) > 0 {
		return nil, &Error{Kind: KindInvalid, Detail: "the body holds something after its JSON object"}
	}
	if err := s.validate.Struct(&req); err != nil {
		var verrs validator.ValidationErrors
		if errors.As(err, &verrs) && len(verrs) > 0 {
			f := verrs[0]
			detail := "is required"
			if f.Tag() == "oneof" {
				detail = "must be BASIC or DETAILED"
			}
			return nil, invalid(f.Field(), detail)
		}
		return nil, &Error{Kind: KindInternal, Cause: err}
	}
	return &req, nil
}

// jsonKind names a Go type the way a JSON author would think of it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	default:
		return "a string"
	}
}

// queryAttr names query[key] in an error answer, the client-chosen key truncated.
func queryAttr(key string) string {
	return "query." + text.Truncate(key, maxAttrLen)
}

// queryText reads query[key] as text: a string, or any JSON scalar rendered as one. A missing or
// null key is "". Arrays and objects are a 400 naming the field.
func queryText(query rawObject, key string) (string, error) {
	raw, ok := query[key]
	if !ok {
		return "", nil
	}
	sc, err := parseScalar(raw)
	if err != nil {
		return "", invalid(queryAttr(key), "must be a string")
	}
	return strings.TrimSpace(sc.String()), nil
}

// parseScalar decodes one raw JSON scalar; an array or object is refused before it is decoded.
func parseScalar(raw json.RawMessage) (scalar.Scalar, error) {
	t := bytes.TrimSpace(raw)
	if len(t) > 0 && (t[0] == '[' || t[0] == '{') {
		return scalar.Scalar{}, errors.New("not a scalar")
	}
	if s, ok := plainString(t); ok {
		return scalar.String(s), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return scalar.Scalar{}, err
	}
	return scalar.Parse(v)
}

// queryList reads query[key] as an array of at most max strings (auto-link's emails and
// phones), counting entries as it goes so that a longer array is refused before it is decoded.
// A missing or null key is an empty list.
func queryList(query rawObject, key string, max int) ([]string, error) {
	if !query.has(key) {
		return nil, nil
	}
	if out, ok := plainStrings(query[key], max); ok {
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(query[key]))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, invalid(queryAttr(key), "must be an array of strings")
	}
	var out []string
	for i := 0; dec.More(); i++ {
		if i == max {
			return nil, invalid(queryAttr(key), fmt.Sprintf("holds more than %d entries", max))
		}
		s, ok := decodeString(dec)
		if !ok {
			return nil, invalid(fmt.Sprintf("%s[%d]", queryAttr(key), i), "must be a string")
		}
		out = append(out, s)
	}
	return out, nil
}

// plainString reads the common case of a JSON string, one with no escapes in valid UTF-8, without
// a decoder; ok is false for anything else (t is one JSON value, already known to be valid).
func plainString(t []byte) (s string, ok bool) {
	if len(t) < 2 || t[0] != '"' || t[len(t)-1] != '"' {
		return "", false
	}
	body := t[1 : len(t)-1]
	if bytes.IndexByte(body, '\\') >= 0 || bytes.IndexByte(body, '"') >= 0 || !utf8.Valid(body) {
		return "", false
	}
	return string(body), true
}

// plainStrings reads the common case of a JSON array of at most max plain strings (see
// plainString) without a decoder; ok is false for anything else, a longer array included. An
// empty array is nil. raw is one JSON value, already known to be valid.
func plainStrings(raw []byte, max int) (out []string, ok bool) {
	t := bytes.TrimSpace(raw)
	if len(t) < 2 || t[0] != '[' || t[len(t)-1] != ']' {
		return nil, false
	}
	rest := bytes.TrimSpace(t[1 : len(t)-1])
	for len(rest) > 0 {
		if len(out) == max || rest[0] != '"' {
			return nil, false
		}
		end := bytes.IndexByte(rest[1:], '"') + 2 // just past the closing quote, if unescaped
		if end < 2 {
			return nil, false
		}
		s, ok := plainString(rest[:end])
		if !ok {
			return nil, false
		}
		out = append(out, s)
		rest = bytes.TrimSpace(rest[end:])
		if len(rest) > 0 {
			if rest[0] != ',' {
				return nil, false
			}
			rest = bytes.TrimSpace(rest[1:])
		}
	}
	return out, true
}

// decodeString decodes the next value of dec, which must be a JSON string (not null).
func decodeString(dec *json.Decoder) (string, bool) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil || len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	return s, json.Unmarshal(raw, &s) == nil
}

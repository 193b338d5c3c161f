package adaptor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// Level is Gladly's lookupLevel.
type Level string

// The two lookup levels.
const (
	LevelBasic    Level = "BASIC"
	LevelDetailed Level = "DETAILED"
)

// lookupRequest is the body Gladly POSTs (SPEC §3).
type lookupRequest struct {
	LookupLevel         Level          `json:"lookupLevel" validate:"required,oneof=BASIC DETAILED"`
	Query               map[string]any `json:"query" validate:"required"`
	UniqueMatchRequired bool           `json:"uniqueMatchRequired"`
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

// decodeRequest parses and validates a lookup body; every failure is a 400 naming the field.
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
	if dec.More() {
		return nil, &Error{Kind: KindInvalid, Detail: "the body holds more than one JSON value"}
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

// queryText reads query[key] as text: a string, or any JSON scalar rendered as one. A missing or
// null key is "". Arrays and objects are a 400 naming the field.
func queryText(query map[string]any, key string) (string, error) {
	sc, err := transactions.ParseScalar(query[key])
	if err != nil {
		return "", invalid("query."+key, "must be a string")
	}
	return strings.TrimSpace(sc.String()), nil
}

// queryList reads query[key] as an array of strings (auto-link's emails and phones).
func queryList(query map[string]any, key string) ([]string, error) {
	raw, ok := query[key]
	if !ok || raw == nil {
		return nil, nil
	}
	items, ok := raw.([]any)
	if !ok {
		return nil, invalid("query."+key, "must be an array of strings")
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, invalid(fmt.Sprintf("query.%s[%d]", key, i), "must be a string")
		}
		out = append(out, s)
	}
	return out, nil
}

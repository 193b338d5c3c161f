package transactions

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// canonical fails t unless wire is byte for byte what json.Marshal writes for its own decoding:
// keys sorted, json.Marshal's escapes, nothing else.
func canonical(t *testing.T, wire []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(wire, &v); err != nil {
		t.Fatalf("wire %s: %v", wire, err)
	}
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wire, want) {
		t.Fatalf("wire = %s\njson.Marshal = %s", wire, want)
	}
}

// TestWireOfEveryInput renders every transaction of testdata/input and checks that its wire
// form is canonical; the goldens check what it says.
func TestWireOfEveryInput(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/input/*.json")
	if len(inputs) == 0 {
		t.Fatal("no testdata/input files")
	}
	n := 0
	for _, in := range inputs {
		raw, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		for _, item := range items {
			if tx, err := Parse(item); err == nil {
				canonical(t, tx.Wire())
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no transaction rendered")
	}
}

// FuzzWire puts arbitrary keys and values — escapes, control bytes, HTML characters, invalid
// UTF-8, U+2028 — in every place render writes one: a top-level field, a nested object, a list
// of objects, a list of scalars. An accepted transaction's wire form must be exactly what
// json.Marshal writes for what was given, without its empty values. Seeds:
// testdata/fuzz/FuzzWire.
func FuzzWire(f *testing.F) {
	for _, s := range [][2]string{{"orderNumber", "A-1"}, {"<b>&", "x\u2028y"}, {"\xff", "tab\there\n\"q\"\\"}, {"", "\x7f\x00é"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		if _, shaped := schemas[Order].fields[key]; shaped || key == "type" || key == "orderNumber" {
			return // the field would not be a free-form scalar
		}
		in := map[string]any{
			"type":            "ORDER",
			"orderNumber":     "1",
			key:               value,
			"shippingAddress": map[string]any{key: value, value: key},
			"products":        []any{map[string]any{value: key}, map[string]any{key: value}, map[string]any{}},
			"fulfillments":    []any{map[string]any{"productIds": []any{value, key, ""}}, map[string]any{"productIds": []any{}}},
		}
		tx, err := FromValue(in)
		if err != nil {
			return // a fuzzed key can be a bad field of a nested object; render rejects it
		}
		want, err := json.Marshal(withoutEmpty(in))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(tx.Wire(), want) {
			t.Fatalf("wire = %s\nwant   %s", tx.Wire(), want)
		}
	})
}

// withoutEmpty drops empty strings, and lists and objects left empty, from fields of objects;
// a list of objects keeps its empty ones, as the wire form does.
func withoutEmpty(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, item := range x {
			item = withoutEmpty(item)
			switch y := item.(type) {
			case string:
				if y == "" {
					continue
				}
			case []any:
				if len(y) == 0 {
					continue
				}
			case map[string]any:
				if len(y) == 0 {
					continue
				}
			}
			out[k] = item
		}
		return out
	case []any:
		out := []any{}
		for _, item := range x {
			if s, ok := item.(string); ok && s == "" {
				continue
			}
			out = append(out, withoutEmpty(item))
		}
		return out
	}
	return v
}

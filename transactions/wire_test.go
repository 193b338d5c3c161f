package transactions

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// wireMatchesMarshal fails t unless appendWire writes v exactly as json.Marshal does.
func wireMatchesMarshal(t *testing.T, v any) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := appendWire(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("appendWire = %s\njson.Marshal = %s", got, want)
	}
}

// TestWireOfEveryInput renders every transaction of testdata/input and compares the wire form
// with json.Marshal's.
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
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var items []map[string]any
		if err := dec.Decode(&items); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		for _, item := range items {
			sch, ok := schemas[Type(item["type"].(string))]
			if !ok {
				continue
			}
			if out, err := render(item, sch); err == nil {
				wireMatchesMarshal(t, out)
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no transaction rendered")
	}
}

// FuzzWire puts arbitrary keys and values in every place render can put them — escapes,
// control bytes, HTML characters, invalid UTF-8, U+2028 — and compares with json.Marshal.
// Seeds: testdata/fuzz/FuzzWire.
func FuzzWire(f *testing.F) {
	for _, s := range [][2]string{{"orderNumber", "A-1"}, {"<b>&", "x\u2028y"}, {"\xff", "tab\there\n\"q\"\\"}, {"", "\x7f\x00é"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		wireMatchesMarshal(t, map[string]any{
			"type":    value,
			key:       []string{value, key},
			"n" + key: map[string]any{key: value, value: key},
			"l":       []map[string]any{{value: key}, {key: []string{value}}},
			"e":       []string{},
		})
		wireMatchesMarshal(t, value)
		wireMatchesMarshal(t, map[string]any{})
		wireMatchesMarshal(t, []string(nil))
	})
}

package transactions_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// FuzzParse: for any input, Parse either fails with a FieldError or returns an object whose
// every leaf is a string, nested only where Gladly allows it. Seeds: testdata/input and
// testdata/fuzz.
func FuzzParse(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/input/*.json")
	for _, in := range inputs {
		raw, _ := os.ReadFile(in)
		var items []json.RawMessage
		_ = json.Unmarshal(raw, &items)
		for _, item := range items {
			f.Add([]byte(item))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tx, err := transactions.Parse(data)
		if err != nil {
			var fe *transactions.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error is not a FieldError: %v", err)
			}
			return
		}
		var obj map[string]any
		if err := json.Unmarshal(tx.Wire(), &obj); err != nil {
			t.Fatalf("wire is not a JSON object: %v", err)
		}
		if _, ok := obj["type"].(string); !ok {
			t.Fatalf("wire lacks type: %s", tx.Wire())
		}
		if path, ok := nonString(obj, ""); !ok {
			t.Fatalf("non-string leaf at %s in %s", path, tx.Wire())
		}
		if again, err := transactions.Parse(tx.Wire()); err != nil || string(again.Wire()) != string(tx.Wire()) {
			t.Fatalf("wire form does not parse to itself: %v\n%s\n%s", err, tx.Wire(), again.Wire())
		}
	})
}

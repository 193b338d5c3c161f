package adaptor

import (
	"encoding/json"
	"slices"
	"testing"
)

// FuzzPlainStrings: whenever plainStrings accepts a JSON value, it is an array of at most max
// strings and it reads them exactly as encoding/json does. Seeds: testdata/fuzz/FuzzPlainStrings.
func FuzzPlainStrings(f *testing.F) {
	for _, s := range []string{`[]`, ` [ "a" , "b" ] `, `["a@example.com","+14155550123"]`, `["a\"b"]`, `["\u00e9"]`, `["a",]`,
		`["a" "b"]`, `[1]`, `["a",["b"]]`, `"a"`, `["é", "\\"]`, `["a","b","c"]`, "[\"\xff\"]"} {
		f.Add([]byte(s), 2)
	}
	f.Fuzz(func(t *testing.T, raw []byte, max int) {
		if !json.Valid(raw) || max < 0 || max > 100 {
			return
		}
		got, ok := plainStrings(raw, max)
		if !ok {
			return
		}
		var want []string
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("accepted %q, which is not an array of strings: %v", raw, err)
		}
		if len(got) > max || !slices.Equal(got, want) || (len(want) == 0) != (got == nil) {
			t.Fatalf("plainStrings(%q, %d) = %q, encoding/json reads %q", raw, max, got, want)
		}
	})
}

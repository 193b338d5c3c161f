package jsonvalue

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// reference decodes data as the seed loader did before this package: a json.Decoder with
// UseNumber, then nothing but white space.
func reference(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if rest := data[dec.InputOffset():]; len(bytes.TrimLeft(rest, " \t\r\n")) > 0 {
		return nil, fmt.Errorf("trailing %q", rest)
	}
	return v, nil
}

// sameAsReference fails t unless Decode and reference agree: both refuse data, or both give
// the same value.
func sameAsReference(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := reference(data)
	got, err := Decode(data)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("Decode(%q): error %v, encoding/json: %v", data, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode(%q) = %#v\nencoding/json: %#v", data, got, want)
	}
}

var cases = []string{
	`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, `  {"x": -0.5e+10 }  `, `[]`, `{}`, `[{}]`,
	`"plain"`, `"esc \" \\ \/ \b \f \n \r \t"`, `"\u00e9\u20ac\ud83d\ude00"`, `"\ud800"`,
	`"\ud800\u0041"`, `"\udc00\ud800"`, `"\ud800\ud800\udc00"`, "\"\xff\xfe\"", "\"\xed\xa0\x80\"",
	"\"caf\xc3\xa9\"", `{"a":1,"a":2}`, `0`, `-0`, `01`, `1.`, `.5`, `1e`, `1e+`, `-`, `+1`,
	`1E5`, `tru`, `nul`, `falsey`, `{"a"}`, `{"a":}`, `{,}`, `[1,]`, `[,1]`, `{"a":1,}`,
	`{"a":1}]`, `{"a":1}}`, `{"a":1} x`, `1 2`, ``, `   `, "\"tab\there\"", `"\x"`, `"\u12"`,
	`"\u12G4"`, `"unterminated`, `{"a":"b"`, `[1`, `{"a"`, "\"\u2028\"", `"\u0000"`,
	"{\"k\":\"v\"}\n", "\"\x7f\"",
}

// TestSameAsEncodingJSON compares Decode with encoding/json on hand-picked texts, valid and
// not, and on the seed files in the repository.
func TestSameAsEncodingJSON(t *testing.T) {
	for _, c := range cases {
		sameAsReference(t, []byte(c))
	}
	files, _ := filepath.Glob("../../testdata/seed/*.json")
	if len(files) == 0 {
		t.Fatal("no seed files")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sameAsReference(t, raw)
	}
}

// TestDepth allows as deep a nesting as encoding/json does and refuses one more.
func TestDepth(t *testing.T) {
	for _, depth := range []int{MaxDepth, MaxDepth + 1} {
		text := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		_, err := Decode([]byte(text))
		if (err == nil) != (depth <= MaxDepth) {
			t.Errorf("depth %d: error %v", depth, err)
		}
		sameAsReference(t, []byte(text))
	}
}

// FuzzDecode compares Decode with encoding/json on any input. Seeds: the cases above and
// testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, c := range cases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { sameAsReference(t, data) })
}

// BenchmarkDecode decodes a seed record with 20 transactions, against encoding/json.
func BenchmarkDecode(b *testing.B) {
	var txs []string
	for i := range 20 {
		txs = append(txs, fmt.Sprintf(`{"type":"ORDER","orderNumber":"%d","createdAt":"2026-06-14T23:00:00Z","orderTotal":"$20.00","itemCount":2,"products":[{"id":1,"name":"Socks","quantity":2,"sku":"SOCK-1","unitPrice":"$10.00"}],"fulfillments":[{"carrier":"UPS","productIds":[1],"status":"shipped","trackingNumber":"1Z%d"}]}`, i, i))
	}
	record := []byte(`{"externalCustomerId":"C-1","name":"Ken Lovelace","address":"683 Johnson Street, London","emails":[{"original":"ken@example.com"}],"phones":[{"original":"+1 415 200 0001","type":"MOBILE"}],"customAttributes":{"tier":"gold","points":64442,"vip":false},"transactions":[` + strings.Join(txs, ",") + `]}`)
	b.Run("jsonvalue", func(b *testing.B) {
		for b.Loop() {
			if _, err := Decode(record); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		for b.Loop() {
			if _, err := reference(record); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestManyKeys decodes objects with more distinct keys, and longer ones, than a decoder keeps
// for reuse, twice over, and in between the same keys escaped: every value must still be
// encoding/json's.
func TestManyKeys(t *testing.T) {
	var keys, escaped []string
	for i := range 2 * maxKeys {
		k := fmt.Sprintf("k%d%s", i, strings.Repeat("x", i%(2*maxKeyLen)))
		keys = append(keys, fmt.Sprintf("%q:%d", k, i))
		escaped = append(escaped, fmt.Sprintf(`"\u006b%s":%d`, k[1:], i))
	}
	for _, text := range []string{"{" + strings.Join(keys, ",") + "}", "{" + strings.Join(escaped, ",") + "}", "{" + strings.Join(keys, ",") + "}"} {
		sameAsReference(t, []byte(text))
	}
}

// TestTrailing: text after a whole value is told apart from a value that is not whole.
func TestTrailing(t *testing.T) {
	for text, want := range map[string]string{`{"a":1}]`: "trailing", `1 2`: "trailing", `{"a":1`: "bad", `[1,]`: "bad", "{\"a\":1} \n": "ok"} {
		_, err := Decode([]byte(text))
		got := "ok"
		switch {
		case errors.Is(err, ErrTrailing):
			got = "trailing"
		case err != nil:
			got = "bad"
		}
		if got != want {
			t.Errorf("Decode(%q): %v; want %s", text, err, want)
		}
	}
}

package seedfile_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/internal/goroutines"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
	"github.com/lookup-adaptor/lookup-adaptor/store/storetest"
)

func collect(t *testing.T, r store.Records) ([]store.Customer, []error) {
	t.Helper()
	var cs []store.Customer
	var errs []error
	for rec, err := range r {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cs = append(cs, rec.Customer)
	}
	return cs, errs
}

func TestParseCustomer(t *testing.T) {
	in := `[{"externalCustomerId": 1001, "name": "Ada", "emails": [" ada@example.com ", {"original": "a@example.org"}],
	  "phones": ["415-555-0123", {"original": "+44 20 7946 0018", "type": "mobile"}],
	  "customAttributes": {"points": 1.50e3, "vip": true, "empty": "", "none": null}}]`
	cs, errs := collect(t, seedfile.Read(strings.NewReader(in), "a.json"))
	if len(errs) > 0 || len(cs) != 1 {
		t.Fatalf("%v %v", cs, errs)
	}
	c := cs[0]
	if c.ExternalID != "1001" || strings.Join(c.Emails, ",") != "ada@example.com,a@example.org" {
		t.Errorf("id/emails: %+v", c)
	}
	if c.Phones[0].Type != store.Other || c.Phones[1].Type != store.Mobile {
		t.Errorf("phone types: %+v", c.Phones)
	}
	if c.CustomAttributes["points"].String() != "1500" || c.CustomAttributes["vip"].String() != "true" || len(c.CustomAttributes) != 2 {
		t.Errorf("attributes: %+v", c.CustomAttributes)
	}
}

func TestSeedErrorsNameTheRecord(t *testing.T) {
	cases := []struct {
		name, file, in, want string
	}{
		{"unknown field", "a.jsonl", `{"externalCustomerId":"1","email":"x@example.com"}`, "a.jsonl:1: email: unknown field (did you mean emails?)"},
		{"unknown field, no near miss", "a.jsonl", `{"externalCustomerId":"1","loyalty":"gold"}`, "a.jsonl:1: loyalty: unknown field; want one of externalCustomerId,"},
		{"missing id", "a.jsonl", "\n" + `{"name":"Ada"}`, "a.jsonl:2: externalCustomerId: required"},
		{"nested attribute", "a.json", `[{"externalCustomerId":"1"},{"externalCustomerId":"2","customAttributes":{"a":{"b":1}}}]`, "a.json: record 1: customAttributes.a:"},
		{"bad phone type", "a.json", `[{"externalCustomerId":"1","phones":[{"original":"1","type":"CAR"}]}]`, "a.json: record 0: phones[0].type:"},
		{"bad transaction", "a.jsonl", `{"externalCustomerId":"1","transactions":[{"type":"ORDER","createdAt":"soon"}]}`, "a.jsonl:1: transactions[0].createdAt:"},
		{"not an array", "a.json", `{"externalCustomerId":"1"}`, "must hold a JSON array"},
		{"broken line", "a.jsonl", `{"externalCustomerId":`, "a.jsonl:1: not a valid JSON object"},
		{"a bracket after the object", "a.jsonl", `{"externalCustomerId":"1"}]`, "a.jsonl:1: not a valid JSON object"},
		{"two objects on a line", "a.jsonl", `{"externalCustomerId":"1"} {"externalCustomerId":"2"}`, "a.jsonl:1: not a valid JSON object"},
		{"unclosed array", "a.json", `[{"externalCustomerId":"1"}`, "not closed"},
	}
	for _, tc := range cases {
		_, errs := collect(t, seedfile.Read(strings.NewReader(tc.in), tc.file))
		var re *store.RecordError
		if len(errs) == 0 || !errors.As(errs[0], &re) || !strings.Contains(errs[0].Error(), tc.want) {
			t.Errorf("%s: errors %v, want one containing %q", tc.name, errs, tc.want)
		}
	}
}

func TestPrefetch(t *testing.T) {
	var in strings.Builder
	for i := 0; i < 100; i++ {
		in.WriteString(`{"externalCustomerId":"C-` + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + `"}` + "\n")
	}
	direct, _ := collect(t, seedfile.Read(strings.NewReader(in.String()), "p.jsonl"))
	ahead, _ := collect(t, seedfile.Prefetch(seedfile.Read(strings.NewReader(in.String()), "p.jsonl"), 8))
	if len(ahead) != len(direct) {
		t.Fatalf("prefetch yielded %d, direct %d", len(ahead), len(direct))
	}
	for i := range direct {
		if ahead[i].ExternalID != direct[i].ExternalID {
			t.Fatalf("order differs at %d", i)
		}
	}
	// Stopping early must not hang the reader.
	n := 0
	for range seedfile.Prefetch(seedfile.Read(strings.NewReader(in.String()), "p.jsonl"), 2) {
		if n++; n == 3 {
			break
		}
	}
}

func TestTombstones(t *testing.T) {
	in := `{"externalCustomerId":"C-1","deleted":true}
{"externalCustomerId":2,"deleted":true}
{"externalCustomerId":"C-3","deleted":true,"name":"Ada"}
{"externalCustomerId":"C-4","deleted":false}
{"deleted":true}
{"externalCustomerId":"C-6","deleted":"yes"}
`
	var got []store.Record
	var errs []string
	for r, err := range seedfile.Read(strings.NewReader(in), "t.jsonl") {
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		got = append(got, r)
	}
	if len(got) != 2 || !got[0].Deleted || got[0].Customer.ExternalID != "C-1" || got[1].Customer.ExternalID != "2" || got[1].Place != "t.jsonl:2" {
		t.Errorf("tombstones read as %+v", got)
	}
	want := []string{
		"t.jsonl:3: name: a tombstone holds only externalCustomerId and deleted",
		"t.jsonl:4: deleted: want true (a tombstone), or leave it out",
		"t.jsonl:5: externalCustomerId: required",
		"t.jsonl:6: deleted: want true (a tombstone), or leave it out",
	}
	if strings.Join(errs, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(want, "\n"))
	}
}

// Encode writes what ParseCustomer reads back to the same customer.
func TestEncodeRoundTrip(t *testing.T) {
	in := `{"externalCustomerId":"C-1","name":"Ada \u003cA\u003e","address":"1 Way","emails":["a@example.com"],"phones":[{"original":"+1 415 555 0123","type":"MOBILE"},"020 7946 0018"],"customAttributes":{"points":1.5e3,"vip":true,"tier":"gold"},"transactions":[{"type":"ORDER","orderNumber":1001,"createdAt":"2026-10-01T12:00:00Z","products":[{"id":1,"name":"Socks"}]}]}`
	first, errs := collect(t, seedfile.Read(strings.NewReader(in), "a.jsonl"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	out, err := seedfile.Encode(&first[0])
	if err != nil {
		t.Fatal(err)
	}
	second, errs := collect(t, seedfile.Read(strings.NewReader(string(out)), "b.jsonl"))
	if len(errs) > 0 {
		t.Fatalf("%v in %s", errs, out)
	}
	if store.Fingerprint(&first[0]) != store.Fingerprint(&second[0]) {
		t.Errorf("round trip changed the customer:\n%s\nreads back as\n%s", out, storetest.Encode(t, &second[0]))
	}
}

// TestParsedInOrder reads a seed long enough to be parsed by several goroutines, in both
// formats, with bad records among good ones and blank lines: every record comes out in file
// order with its own place, and stopping early leaves no goroutine behind.
func TestParsedInOrder(t *testing.T) {
	const n = 1000
	bad := map[int]bool{3: true, 64: true, 65: true, 500: true, n - 1: true}
	var lines, array strings.Builder
	array.WriteString("[")
	lineOf := make([]int, n) // 1-based line of record i in the .jsonl form
	line := 0
	for i := range n {
		line++
		lineOf[i] = line
		rec := fmt.Sprintf(`{"externalCustomerId":"C-%d","name":"N %d"}`, i, i)
		if bad[i] {
			rec = fmt.Sprintf(`{"externalCustomerId":"C-%d","emails":{}}`, i)
		}
		lines.WriteString(rec + "\n")
		if i%100 == 0 {
			lines.WriteString("\n")
			line++
		}
		if i > 0 {
			array.WriteString(",")
		}
		array.WriteString(rec)
	}
	array.WriteString("]")
	for _, f := range []struct{ name, in string }{{"p.jsonl", lines.String()}, {"p.json", array.String()}} {
		i := 0
		for rec, err := range seedfile.Read(strings.NewReader(f.in), f.name) {
			if bad[i] != (err != nil) {
				t.Fatalf("%s: record %d: err = %v", f.name, i, err)
			}
			var re *store.RecordError
			want := store.RecordError{Line: lineOf[i], Index: lineOf[i] - 1}
			if f.name == "p.json" {
				want = store.RecordError{Index: i}
			}
			if err != nil && (!errors.As(err, &re) || re.Line != want.Line || re.Index != want.Index) {
				t.Fatalf("%s: record %d: error %v names the wrong record", f.name, i, err)
			}
			if err == nil && (rec.Customer.ExternalID != fmt.Sprintf("C-%d", i) || !strings.HasPrefix(rec.Place, f.name)) {
				t.Fatalf("%s: record %d is %s at %s", f.name, i, rec.Customer.ExternalID, rec.Place)
			}
			i++
		}
		if i != n {
			t.Fatalf("%s: %d records, want %d", f.name, i, n)
		}
	}
	before := runtime.NumGoroutine()
	for range 20 {
		k := 0
		for range seedfile.Read(strings.NewReader(lines.String()), "p.jsonl") {
			if k++; k == 70 {
				break
			}
		}
	}
	goroutines.NoneLeft(t, before)
}

// expectRead reads in (named name) and fails unless its first error says want, or, with want
// empty, it reads without one.
func expectRead(t *testing.T, in, name, want string) {
	t.Helper()
	_, errs := collect(t, seedfile.Read(strings.NewReader(in), name))
	switch {
	case want == "" && len(errs) > 0:
		t.Errorf("errors %v", errs)
	case want != "" && (len(errs) == 0 || !strings.Contains(errs[0].Error(), want)):
		t.Errorf("errors %v, want %q", errs, want)
	}
}

// An end line proves a .jsonl stream complete: it must count the records before it, and be
// the last.
func TestSeedEndLine(t *testing.T) {
	two := `{"externalCustomerId":"C-1"}` + "\n" + `{"externalCustomerId":"C-2","deleted":true}` + "\n"
	cases := []struct {
		name, in, want string // want: "" reads cleanly
	}{
		{"matching count", two + `{"end": true, "records": 2}` + "\n", ""},
		{"no end line", two, ""},
		{"empty, counted", `{"end":true,"records":0}`, ""},
		{"cut off", two + `{"end": true, "records": 3}`, "s.jsonl:3: the end line counts 3 records, but 2 came before it: the file was cut off or changed"},
		{"a record after it", two + `{"end": true, "records": 2}` + "\n" + `{"externalCustomerId":"C-3"}`, "s.jsonl:4: a record after the end line (s.jsonl:3)"},
		{"not a count", two + `{"end": true, "records": "2"}`, `s.jsonl:3: end: the end line is {"end": true, "records": N}`},
		{"end false", two + `{"end": false, "records": 2}`, `s.jsonl:3: end: the end line is`},
		{"extra field", two + `{"end": true, "records": 2, "by": "x"}`, `s.jsonl:3: end: the end line is`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { expectRead(t, tc.in, "s.jsonl", tc.want) })
	}
	// In a .json array an end record is no customer: it has no externalCustomerId.
	if _, errs := collect(t, seedfile.Read(strings.NewReader(`[{"end": true, "records": 0}]`), "a.json")); len(errs) == 0 {
		t.Error("an end record inside a JSON array was accepted")
	}
}

// Records past the per-record bounds, and NUL characters, are refused naming the place and the
// field; a backslash before u0000 is text, not a NUL.
func TestSeedRecordBounds(t *testing.T) {
	attrs := func(n, size int) string {
		var parts []string
		for i := range n {
			parts = append(parts, fmt.Sprintf(`"a%d":"%s"`, i, strings.Repeat("v", size)))
		}
		return `{` + strings.Join(parts, ",") + `}`
	}
	cases := []struct {
		name, record, want string
	}{
		{"name of 1000 characters", `{"externalCustomerId":"C-1","name":"` + strings.Repeat("é", 1000) + `"}`, ""},
		{"name of 1001 characters", `{"externalCustomerId":"C-1","name":"` + strings.Repeat("é", 1001) + `"}`, "b.jsonl:1: name: 1001 characters, more than 1000"},
		{"long address", `{"externalCustomerId":"C-1","address":"` + strings.Repeat("a", 1001) + `"}`, "b.jsonl:1: address: 1001 characters"},
		{"100 attributes", `{"externalCustomerId":"C-1","customAttributes":` + attrs(100, 1) + `}`, ""},
		{"101 attributes", `{"externalCustomerId":"C-1","customAttributes":` + attrs(101, 1) + `}`, "b.jsonl:1: customAttributes: 101 attributes, more than 100"},
		{"long attribute", `{"externalCustomerId":"C-1","customAttributes":` + attrs(1, 4001) + `}`, "b.jsonl:1: customAttributes.a0: 4001 characters, more than 4000"},
		{"a record over 1 MiB", `{"externalCustomerId":"C-1","transactions":[{"type":"GENERIC","note":"` + strings.Repeat("n", 1<<20) + `"}]}`, "b.jsonl:1: a record of 1048"},
		{"NUL in a name", `{"externalCustomerId":"C-1","name":"Ada\u0000"}`, "b.jsonl:1: a NUL character"},
		{"NUL in a transaction", `{"externalCustomerId":"C-1","transactions":[{"type":"GENERIC","x":"\u0000"}]}`, "b.jsonl:1: a NUL character"},
		{"an escaped backslash before u0000", `{"externalCustomerId":"C-1","name":"C:\\u0000"}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { expectRead(t, tc.record, "b.jsonl", tc.want) })
	}
	// Limits of one's own.
	small := seedfile.Limits{MaxRecordBytes: 100, MaxTextChars: 3, MaxAttributes: 1, MaxAttributeChars: 2}
	if _, errs := collect(t, small.Read(strings.NewReader(`{"externalCustomerId":"C-1","name":"Adam"}`), "s.jsonl")); len(errs) == 0 || !strings.Contains(errs[0].Error(), "name: 4 characters, more than 3") {
		t.Errorf("own limits: %v", errs)
	}
}

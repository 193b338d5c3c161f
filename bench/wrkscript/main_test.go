package main

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

func TestLuaQuoting(t *testing.T) {
	for _, s := range []string{"plain", "a]]b", "x]=]y", "]==]", ""} {
		q := lua(s)
		eq := q[1 : strings.Index(q[1:], "[")+1]
		if want := "[" + eq + "[" + s + "]" + eq + "]"; q != want || strings.Contains(s, "]"+eq+"]") {
			t.Errorf("lua(%q) = %q", s, q)
		}
	}
}

// Every request the script holds must verify: the signature covers exactly the embedded body
// and headers.
func TestScriptRequestsVerify(t *testing.T) {
	customers := []customer{{ID: "C-1", Name: "Ada Lovelace"}, {ID: "C-2", Name: "Grace Hopper"}, {ID: "C-3", Name: "Alan Turing"}}
	for i := range customers {
		customers[i].Emails = append(customers[i].Emails, struct {
			Original string `json:"original"`
		}{"x@example.com"})
		customers[i].Phones = append(customers[i].Phones, struct {
			Original string `json:"original"`
		}{"+14155550123"})
		customers[i].Transactions = []map[string]any{{"orderNumber": "1001"}}
	}
	now := time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)
	for _, kind := range []string{"autolink", "search", "detailed"} {
		var out bytes.Buffer
		if err := writeScript(&out, []byte("k"), kind, "/lookup", customers, now); err != nil {
			t.Fatal(err)
		}
		lines := regexp.MustCompile(`(?m)^    wrk\.format\(.*\),$`).FindAllString(out.String(), -1)
		if len(lines) != len(customers) {
			t.Fatalf("%s: %d requests, want %d:\n%s", kind, len(lines), len(customers), out.String())
		}
		str := regexp.MustCompile(`\[(=+)\[(.*?)\]=+\]`)
		for _, line := range lines {
			parts := str.FindAllStringSubmatch(line, -1)
			// path, then name/value pairs, then the body
			h := http.Header{}
			for j := 1; j+1 < len(parts)-1; j += 2 {
				h.Set(parts[j][2], parts[j+1][2])
			}
			body := parts[len(parts)-1][2]
			v := &signing.Verifier{Keys: [][]byte{[]byte("k")}}
			if _, err := v.Verify(&signing.Request{Method: "POST", Path: parts[0][2], Header: h, Body: []byte(body)}, now); err != nil {
				t.Errorf("%s: request does not verify: %v\n%s", kind, err, line)
			}
			if !strings.Contains(body, `"lookupLevel"`) {
				t.Errorf("%s: body %s", kind, body)
			}
		}
	}
}

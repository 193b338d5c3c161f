package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
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

// TestSampleIsDistinct samples every usable customer of a small file, first and last line
// included, each once, and refuses to make up more than the file holds.
func TestSampleIsDistinct(t *testing.T) {
	var b strings.Builder
	for i := range 30 {
		phones := `[{"original":"+14155550123"}]`
		if i%3 == 1 {
			phones = `[]` // not usable: every kind needs a phone
		}
		fmt.Fprintf(&b, `{"externalCustomerId":"C-%d","name":"N %d","emails":[{"original":"c%d@example.com"}],"phones":%s,"transactions":[{"orderNumber":"%d"}]}`+"\n", i, i, i, phones, i)
	}
	path := filepath.Join(t.TempDir(), "seed.jsonl")
	if err := os.WriteFile(path, []byte(strings.TrimSuffix(b.String(), "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := sample(path, 20)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, c := range got {
		if ids[c.ID] || len(c.Phones) == 0 {
			t.Errorf("sampled %s twice or without a phone", c.ID)
		}
		ids[c.ID] = true
	}
	if !ids["C-0"] || !ids["C-29"] {
		t.Errorf("the first or last line was never sampled: %v", ids)
	}
	if _, err := sample(path, 21); err == nil || !strings.Contains(err.Error(), "found only 20 distinct customers") {
		t.Errorf("asking for more customers than the file holds: %v", err)
	}
}

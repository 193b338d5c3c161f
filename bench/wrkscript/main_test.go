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
		var reqs []lookupReq
		for i, c := range customers {
			reqs = append(reqs, lookupReq{kind, i, c})
		}
		var out bytes.Buffer
		if err := writeScript(&out, []byte("k"), "/lookup", reqs, now); err != nil {
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

// Gladly's pattern: each visit is an auto-link, then a detailed lookup of the same customer and
// its refreshes; the customers are drawn skewed, so some come back and most visits are of few.
func TestVisits(t *testing.T) {
	path := seedFile(t, 30)
	reqs, err := visits(path, 200, 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 200*(2+refreshes) {
		t.Fatalf("%d requests for 200 visits", len(reqs))
	}
	perCustomer := map[string]int{}
	for v := 0; v < len(reqs); v += 2 + refreshes {
		visit := reqs[v : v+2+refreshes]
		if visit[0].kind != "autolink" {
			t.Fatalf("visit %d starts with %s", v, visit[0].kind)
		}
		for _, r := range visit[1:] {
			if r.kind != "detailed" || r.c.ID != visit[0].c.ID {
				t.Fatalf("visit %d: %s of %s after an auto-link of %s", v, r.kind, r.c.ID, visit[0].c.ID)
			}
		}
		perCustomer[visit[0].c.ID]++
	}
	most := 0
	for _, n := range perCustomer {
		most = max(most, n)
	}
	if len(perCustomer) > 20 || most < 200/len(perCustomer)*2 {
		t.Errorf("%d customers for 200 visits, the most visited %d times: not skewed", len(perCustomer), most)
	}
}

// seedFile writes n customers, a third of them without a phone (unusable), as a JSONL file.
func seedFile(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
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
	return path
}

// TestSampleIsDistinct samples every usable customer of a small file, first and last line
// included, each once, and refuses to make up more than the file holds.
func TestSampleIsDistinct(t *testing.T) {
	path := seedFile(t, 30)
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

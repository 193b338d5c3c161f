// Command wrkscript writes a wrk Lua script that cycles through pre-signed Gladly lookups of
// one kind, built from customers sampled at random from a seed file (JSONL, as `lookup-adaptor
// generate` writes it). Signatures carry the current time, so use the script within
// signing.max_skew (5 minutes by default).
//
//	wrkscript -key K -kind detailed -seed big.jsonl -count 1000 > detailed.lua
//	wrk -t2 -c32 -d30s -s detailed.lua http://127.0.0.1:8080/lookup
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// customer is what the lookups need of a seed record.
type customer struct {
	ID     string `json:"externalCustomerId"`
	Name   string `json:"name"`
	Emails []struct {
		Original string `json:"original"`
	} `json:"emails"`
	Phones []struct {
		Original string `json:"original"`
	} `json:"phones"`
	Transactions []map[string]any `json:"transactions"`
}

func main() {
	key := flag.String("key", "", "signing key")
	kind := flag.String("kind", "autolink", "autolink, search or detailed")
	seedFile := flag.String("seed", "", "JSONL seed file to sample customers from")
	count := flag.Int("count", 1000, "distinct customers to cycle through, one request each")
	path := flag.String("path", "/lookup", "URL path the requests are signed for")
	flag.Parse()
	if *key == "" || *seedFile == "" {
		log.Fatal("need -key and -seed")
	}
	customers, err := sample(*seedFile, *count)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(os.Stdout)
	if err := writeScript(w, []byte(*key), *kind, *path, customers, time.Now()); err != nil {
		log.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
}

// writeScript writes the Lua script: one signed request of the kind per customer, cycled.
func writeScript(w io.Writer, key []byte, kind, path string, customers []customer, now time.Time) error {
	// wrk knows the Host header only once init runs, so the requests are formatted there.
	fmt.Fprintln(w, "local reqs\nfunction init(args)\n  reqs = {")
	for i, c := range customers {
		body, err := json.Marshal(lookup(kind, i, c))
		if err != nil {
			return err
		}
		r, err := signing.NewRequest(key, "POST", path, "", body, now)
		if err != nil {
			return err
		}
		names := make([]string, 0, len(r.Header))
		for k := range r.Header {
			names = append(names, k)
		}
		sort.Strings(names)
		var headers []string
		for _, k := range names {
			headers = append(headers, fmt.Sprintf("[ %s ] = %s", lua(k), lua(r.Header.Get(k))))
		}
		fmt.Fprintf(w, "    wrk.format(\"POST\", %s, {%s}, %s),\n", lua(path), strings.Join(headers, ", "), lua(string(body)))
	}
	_, err := fmt.Fprint(w, `  }
end
local i = 0
function request()
  i = i % #reqs + 1
  return reqs[i]
end
`)
	return err
}

// lookup builds the body of one request of the kind; searches rotate through email, phone and
// order number.
func lookup(kind string, i int, c customer) map[string]any {
	q := map[string]any{"id": "Qx7rT2mLQkGz1pWcYb3dNa"}
	level := "BASIC"
	switch kind {
	case "autolink":
		q["name"] = c.Name
		q["emails"] = []string{c.Emails[0].Original}
		q["phones"] = []string{c.Phones[0].Original}
	case "search":
		switch i % 3 {
		case 0:
			q["email"] = c.Emails[0].Original
		case 1:
			q["phone"] = c.Phones[0].Original
		default:
			q["orderNumber"] = c.Transactions[0]["orderNumber"]
		}
	case "detailed":
		level = "DETAILED"
		q["externalCustomerId"] = c.ID
		q["name"] = c.Name
	default:
		log.Fatalf("unknown kind %q", kind)
	}
	return map[string]any{"lookupLevel": level, "query": q, "uniqueMatchRequired": level == "DETAILED"}
}

// sample reads n distinct customers (with an email, a phone and a transaction each), starting at
// random offsets of the file, so that they are spread uniformly over it. It fails when the file
// does not seem to hold that many.
func sample(path string, n int) ([]customer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var out []customer
	seen := make(map[string]bool, n)
	for tries := 0; len(out) < n; tries++ {
		if tries == 50*n {
			return nil, fmt.Errorf("%s: found only %d distinct customers with an email, a phone and a transaction in %d tries; -count asks for %d", path, len(out), tries, n)
		}
		// Start one byte early and skip to the end of that line: a line begins at the offset
		// drawn, or after it, and the first line can be drawn too.
		off := rng.Int64N(fi.Size())
		if _, err := f.Seek(max(off-1, 0), io.SeekStart); err != nil {
			return nil, err
		}
		r := bufio.NewReaderSize(f, 1<<16)
		if off > 0 {
			if _, err := r.ReadString('\n'); err != nil { // the rest of a partial line
				continue
			}
		}
		line, err := r.ReadString('\n')
		if err != nil && (err != io.EOF || line == "") {
			continue
		}
		var c customer
		if json.Unmarshal([]byte(line), &c) == nil && !seen[c.ID] && len(c.Emails) > 0 && len(c.Phones) > 0 && len(c.Transactions) > 0 {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	return out, nil
}

// lua quotes s as a Lua long string.
func lua(s string) string {
	eq := "="
	for strings.Contains(s, "]"+eq+"]") {
		eq += "="
	}
	return "[" + eq + "[" + s + "]" + eq + "]"
}

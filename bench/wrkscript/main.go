// Command wrkscript writes a wrk Lua script that cycles through pre-signed Gladly lookups,
// built from customers sampled at random from a seed file (JSONL, as `lookup-adaptor generate`
// writes it). Signatures carry the current time, so use the script within signing.max_skew
// (5 minutes by default).
//
// The kinds autolink, search and detailed send one lookup of that kind for each of -count
// distinct customers, spread uniformly over the file. The kind gladly plays Gladly's pattern:
// -count visits, each an auto-link, then a detailed lookup of the same customer, then three
// refreshes of it, with the customer of each visit drawn from a Zipf distribution over the
// whole store (s = 1.1: a few customers come back often, most once), the popular ones spread
// over the file.
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
	kind := flag.String("kind", "autolink", "autolink, search, detailed, or gladly (Gladly's pattern over a Zipf choice of customers)")
	stored := flag.Int("customers", 1000000, "gladly: how many customers the store holds (the Zipf distribution's range)")
	seedFile := flag.String("seed", "", "JSONL seed file to sample customers from")
	count := flag.Int("count", 1000, "distinct customers to cycle through, one request each (gladly: visits)")
	path := flag.String("path", "/lookup", "URL path the requests are signed for")
	flag.Parse()
	if *key == "" || *seedFile == "" {
		log.Fatal("need -key and -seed")
	}
	var reqs []lookupReq
	var err error
	if *kind == "gladly" {
		reqs, err = visits(*seedFile, *count, *stored)
	} else {
		reqs, err = uniform(*seedFile, *kind, *count)
	}
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(os.Stdout)
	if err := writeScript(w, []byte(*key), *path, reqs, time.Now()); err != nil {
		log.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
}

// lookupReq is one lookup of the script: its kind and customer; i rotates a search's field.
type lookupReq struct {
	kind string
	i    int
	c    customer
}

// uniform is one lookup of the kind for each of n customers spread over the seed file.
func uniform(seedFile, kind string, n int) ([]lookupReq, error) {
	customers, err := sample(seedFile, n)
	if err != nil {
		return nil, err
	}
	reqs := make([]lookupReq, len(customers))
	for i, c := range customers {
		reqs[i] = lookupReq{kind, i, c}
	}
	return reqs, nil
}

// refreshes is how many times an agent reloads a customer's details during a visit.
const refreshes = 3

// visits is n of Gladly's visits — an auto-link, a detailed lookup, refreshes — each of a
// customer drawn from a Zipf distribution over the stored customers' ranks. Each rank drawn is
// one customer sampled from the file, so that the popular ones lie anywhere in the store.
func visits(seedFile string, n, stored int) ([]lookupReq, error) {
	rng := rand.New(rand.NewPCG(3, 4))
	zipf := rand.NewZipf(rng, 1.1, 1, uint64(stored-1))
	ranks := make([]uint64, n)
	distinct := map[uint64]int{}
	for i := range ranks {
		ranks[i] = zipf.Uint64()
		if _, ok := distinct[ranks[i]]; !ok {
			distinct[ranks[i]] = len(distinct)
		}
	}
	customers, err := sample(seedFile, len(distinct))
	if err != nil {
		return nil, err
	}
	var reqs []lookupReq
	for i, r := range ranks {
		c := customers[distinct[r]]
		reqs = append(reqs, lookupReq{"autolink", i, c}, lookupReq{"detailed", i, c})
		for range refreshes {
			reqs = append(reqs, lookupReq{"detailed", i, c})
		}
	}
	return reqs, nil
}

// writeScript writes the Lua script: the signed requests, cycled.
func writeScript(w io.Writer, key []byte, path string, reqs []lookupReq, now time.Time) error {
	// wrk knows the Host header only once init runs, so the requests are formatted there.
	fmt.Fprintln(w, "local reqs\nfunction init(args)\n  reqs = {")
	for _, req := range reqs {
		body, err := json.Marshal(lookup(req.kind, req.i, req.c))
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

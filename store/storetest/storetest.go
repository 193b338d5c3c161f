// Package storetest is the conformance suite every store backend must pass:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Backend { return mybackend.New(…) })
//	}
//
// It checks the matching rules of SPEC §3 (normalised emails and phones, name word prefixes,
// transaction identifiers, custom attributes), ordering, caps, not-found, loading (idempotent,
// all or nothing, updates), concurrent use and cancelled contexts.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// Backend is what the suite needs: the contract and the ability to load customers.
type Backend interface {
	store.Store
	store.Loader
}

// Fixture is the seed (SPEC §8, one customer per line) every test starts from.
const Fixture = `{"externalCustomerId":"C-1001","name":"Ada Lovelace","address":"12 Analytical Way, London","emails":[{"original":" Ada@Example.com "}],"phones":[{"original":"+1 (415) 555-0123","type":"MOBILE"}],"customAttributes":{"tier":"Gold","points":1200,"vip":true},"transactions":[{"type":"ORDER","orderNumber":1001,"createdAt":"2026-10-01T12:00:00Z"},{"type":"ORDER","orderNumber":"1002","createdAt":"2026-10-03T12:00:00Z"},{"type":"FLIGHT","confirmationCode":"XK7Q2P","departureTime":"2026-12-01T17:05:00Z"}]}
{"externalCustomerId":"C-1002","name":"Ada Byron","emails":["ada.byron@example.com"],"phones":["415-555-0199"],"customAttributes":{"tier":"silver"}}
{"externalCustomerId":"C-1003","name":"Charles Babbage","emails":["charles@example.com"],"phones":[{"original":"+44 20 7946 0018","type":"HOME"}],"transactions":[{"type":"STAY","confirmationNumber":"99881","checkInDate":"2026-12-02"}]}
{"externalCustomerId":"C-1004","name":"Ada Lovelace","emails":["other.ada@example.com"],"phones":[{"original":"4155550123","type":"MOBILE"}]}
{"externalCustomerId":"C-0999","name":"Grace Hopper","emails":["grace@example.com","ada@example.com"],"customAttributes":{"tier":"gold"}}
`

// Run runs the suite; open returns a new, empty backend for each test.
func Run(t *testing.T, open func(t *testing.T) Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b Backend)
	}{
		{"Link", testLink},
		{"Search", testSearch},
		{"Customer", testCustomer},
		{"LoadIdempotent", testLoadIdempotent},
		{"LoadUpdates", testLoadUpdates},
		{"LoadAllOrNothing", testLoadAllOrNothing},
		{"Concurrent", testConcurrent},
		{"CancelledContext", testCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := open(t)
			load(t, b, Fixture)
			tc.fn(t, b)
		})
	}
}

var norm = func() *store.Normalizer {
	n, err := store.NewNormalizer("US")
	if err != nil {
		panic(err)
	}
	return n
}()

func phone(s string) string {
	p, ok := norm.Phone(s)
	if !ok {
		panic("bad test phone " + s)
	}
	return p
}

func load(t *testing.T, b Backend, jsonl string) store.LoadStats {
	t.Helper()
	stats, err := b.Load(context.Background(), store.ReadSeed(strings.NewReader(jsonl), "fixture.jsonl"))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return stats
}

func ids(cs []store.Customer) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ExternalID)
	}
	return strings.Join(out, " ")
}

func expect(t *testing.T, what string, cs []store.Customer, err error, want string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got := ids(cs); got != want {
		t.Errorf("%s = [%s], want [%s]", what, got, want)
	}
	for _, c := range cs {
		if len(c.Transactions) > 0 {
			t.Errorf("%s: %s carries transactions; BASIC results must not", what, c.ExternalID)
		}
	}
}

func testLink(t *testing.T, b Backend) {
	ctx := context.Background()
	cs, err := b.Link(ctx, store.Link{Emails: []string{"ada@example.com"}, Phones: []string{phone("+14155550123")}, Limit: 25})
	expect(t, "email and phone", cs, err, "C-1001 C-0999 C-1004")
	cs, err = b.Link(ctx, store.Link{Emails: []string{store.NormalizeEmail("  CHARLES@example.COM")}, Limit: 25})
	expect(t, "email only, normalised", cs, err, "C-1003")
	cs, err = b.Link(ctx, store.Link{Phones: []string{phone("415-555-0199")}, Limit: 25})
	expect(t, "phone in another format", cs, err, "C-1002")
	cs, err = b.Link(ctx, store.Link{Emails: []string{"nobody@example.com"}, Phones: []string{phone("+12125550000")}, Limit: 25})
	expect(t, "no match", cs, err, "")
	cs, err = b.Link(ctx, store.Link{Limit: 25})
	expect(t, "empty query", cs, err, "")
	cs, err = b.Link(ctx, store.Link{Emails: []string{"ada@example.com"}, Phones: []string{phone("+14155550123")}, Limit: 2})
	expect(t, "capped", cs, err, "C-1001 C-0999")

	cs, _ = b.Link(ctx, store.Link{Emails: []string{"ada@example.com"}, Limit: 25})
	for _, c := range cs {
		if c.ExternalID != "C-1001" {
			continue
		}
		if c.Name != "Ada Lovelace" || c.Address != "12 Analytical Way, London" || len(c.Emails) != 1 ||
			len(c.Phones) != 1 || c.Phones[0].E164 != "+14155550123" || c.Phones[0].Type != store.Mobile ||
			c.CustomAttributes["points"].String() != "1200" || c.CustomAttributes["vip"].String() != "true" {
			t.Errorf("C-1001 read back as %+v", c)
		}
	}
}

func testSearch(t *testing.T, b Backend) {
	ctx := context.Background()
	cases := []struct {
		name string
		q    store.Search
		want string
	}{
		{"email", store.Search{Email: "ada.byron@example.com"}, "C-1002"},
		{"phone", store.Search{Phone: phone("(415) 555-0123")}, "C-1001 C-1004"},
		{"name word prefix", store.Search{NameWords: store.NameWords("ada")}, "C-1001 C-1002 C-1004"},
		{"name prefixes of two words", store.Search{NameWords: store.NameWords("LOVE ad")}, "C-1001 C-1004"},
		{"name prefix of a later word", store.Search{NameWords: store.NameWords("babb")}, "C-1003"},
		{"name not a prefix", store.Search{NameWords: store.NameWords("velace")}, ""},
		{"external id", store.Search{ExternalID: "C-1003"}, "C-1003"},
		{"external id is exact", store.Search{ExternalID: "c-1003"}, ""},
		{"order number", store.Search{Identifiers: map[string]string{"orderNumber": "1002"}}, "C-1001"},
		{"order number given as a number", store.Search{Identifiers: map[string]string{"orderNumber": "1001"}}, "C-1001"},
		{"confirmation code", store.Search{Identifiers: map[string]string{"confirmationCode": "XK7Q2P"}}, "C-1001"},
		{"stay confirmation", store.Search{Identifiers: map[string]string{"confirmationNumber": "99881"}}, "C-1003"},
		{"attribute, case-insensitive", store.Search{Attributes: map[string]string{"tier": "GOLD"}}, "C-0999 C-1001"},
		{"numeric attribute", store.Search{Attributes: map[string]string{"points": "1200"}}, "C-1001"},
		{"unknown attribute", store.Search{Attributes: map[string]string{"color": "blue"}}, ""},
		{"combined, all match", store.Search{NameWords: []string{"ada"}, Attributes: map[string]string{"tier": "gold"}}, "C-1001"},
		{"combined, one fails", store.Search{Email: "ada.byron@example.com", NameWords: []string{"lovelace"}}, ""},
		{"combined with external id", store.Search{ExternalID: "C-1001", Phone: phone("+14155550123")}, "C-1001"},
		{"empty", store.Search{}, ""},
		{"capped, ordered", store.Search{NameWords: []string{"ada"}, Limit: 2}, "C-1001 C-1002"},
	}
	for _, tc := range cases {
		if tc.q.Limit == 0 {
			tc.q.Limit = 25
		}
		cs, err := b.Search(ctx, tc.q)
		expect(t, tc.name, cs, err, tc.want)
	}
}

func testCustomer(t *testing.T, b Backend) {
	ctx := context.Background()
	c, err := b.Customer(ctx, "C-1001", 50)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tx := range c.Transactions {
		var m map[string]string
		if err := json.Unmarshal(tx.Wire(), &m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m["orderNumber"]+m["confirmationCode"])
	}
	if strings.Join(got, " ") != "XK7Q2P 1002 1001" {
		t.Errorf("transactions newest first = %v", got)
	}
	if c.Name != "Ada Lovelace" || c.CustomAttributes["tier"].String() != "Gold" {
		t.Errorf("customer = %+v", c)
	}
	c, err = b.Customer(ctx, "C-1001", 2)
	if err != nil || len(c.Transactions) != 2 {
		t.Errorf("capped at 2: %d, %v", len(c.Transactions), err)
	}
	if _, err := b.Customer(ctx, "C-404", 50); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown id: err = %v, want ErrNotFound", err)
	}
}

func testLoadIdempotent(t *testing.T, b Backend) {
	stats := load(t, b, Fixture)
	if stats.Read != 5 || stats.Written != 0 || stats.Unchanged != 5 {
		t.Errorf("second load of the same data: %+v, want 5 read, 0 written, 5 unchanged", stats)
	}
	cs, err := b.Search(context.Background(), store.Search{NameWords: []string{"ada"}, Limit: 25})
	expect(t, "after reload", cs, err, "C-1001 C-1002 C-1004")
}

func testLoadUpdates(t *testing.T, b Backend) {
	ctx := context.Background()
	stats := load(t, b, `{"externalCustomerId":"C-1002","name":"Augusta King","emails":["augusta@example.com"],"transactions":[{"type":"ORDER","orderNumber":"2001"}]}`)
	if stats.Written != 1 {
		t.Errorf("update: %+v", stats)
	}
	cs, err := b.Search(ctx, store.Search{Email: "ada.byron@example.com", Limit: 25})
	expect(t, "old email gone", cs, err, "")
	cs, err = b.Search(ctx, store.Search{NameWords: []string{"byron"}, Limit: 25})
	expect(t, "old name gone", cs, err, "")
	cs, err = b.Search(ctx, store.Search{Attributes: map[string]string{"tier": "silver"}, Limit: 25})
	expect(t, "old attribute gone", cs, err, "")
	cs, err = b.Link(ctx, store.Link{Phones: []string{phone("415-555-0199")}, Limit: 25})
	expect(t, "old phone gone", cs, err, "")
	cs, err = b.Search(ctx, store.Search{Email: "augusta@example.com", NameWords: []string{"aug"}, Identifiers: map[string]string{"orderNumber": "2001"}, Limit: 25})
	expect(t, "new values", cs, err, "C-1002")
}

func testLoadAllOrNothing(t *testing.T, b Backend) {
	bad := `{"externalCustomerId":"C-2001","name":"New Person","emails":["new@example.com"]}
{"externalCustomerId":"C-1001","name":"Changed"}
{"externalCustomerId":"C-2002","transactions":[{"type":"CAR"}]}
`
	_, err := b.Load(context.Background(), store.ReadSeed(strings.NewReader(bad), "bad.jsonl"))
	var re *store.RecordError
	if !errors.As(err, &re) || re.Line != 3 || re.Field != "transactions[0].type" {
		t.Fatalf("err = %v, want a RecordError at line 3, field transactions[0].type", err)
	}
	if !strings.Contains(err.Error(), "bad.jsonl:3: transactions[0].type") {
		t.Errorf("error text %q does not name the file, line and field", err)
	}
	cs, err := b.Search(context.Background(), store.Search{Email: "new@example.com", Limit: 25})
	expect(t, "nothing from the bad file", cs, err, "")
	c, err := b.Customer(context.Background(), "C-1001", 50)
	if err != nil || c.Name != "Ada Lovelace" {
		t.Errorf("C-1001 changed by a failed load: %q %v", c.Name, err)
	}
}

func testConcurrent(t *testing.T, b Backend) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				cs, err := b.Link(ctx, store.Link{Emails: []string{"charles@example.com"}, Limit: 25})
				if err != nil || ids(cs) != "C-1003" {
					errs <- fmt.Errorf("link during load: %s %v", ids(cs), err)
					return
				}
				if _, err := b.Customer(ctx, "C-1001", 50); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < 5; i++ {
		extra := fmt.Sprintf(`{"externalCustomerId":"C-3%03d","name":"Load %d","emails":["load%d@example.com"]}`, i, i, i)
		if _, err := b.Load(ctx, store.ReadSeed(strings.NewReader(extra), "extra.jsonl")); err != nil {
			errs <- err
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testCancelled(t *testing.T, b Backend) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Link(ctx, store.Link{Emails: []string{"ada@example.com"}, Limit: 25}); !errors.Is(err, context.Canceled) {
		t.Errorf("Link: err = %v, want context.Canceled", err)
	}
	if _, err := b.Search(ctx, store.Search{NameWords: []string{"ada"}, Limit: 25}); !errors.Is(err, context.Canceled) {
		t.Errorf("Search: err = %v, want context.Canceled", err)
	}
	if _, err := b.Customer(ctx, "C-1001", 50); !errors.Is(err, context.Canceled) {
		t.Errorf("Customer: err = %v, want context.Canceled", err)
	}
}

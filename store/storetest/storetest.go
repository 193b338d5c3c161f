// Package storetest is the conformance suite every store backend must pass. A backend that
// can be loaded (store.Loader) runs it on an empty store the suite fills:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Loaded(func(t *testing.T, norm *store.Normalizer) store.Store {
//			return mystore.New(norm)
//		}))
//	}
//
// A read-only backend (a CRM behind an API, say) puts the fixture's customers, which
// FixtureCustomers returns, into its own system of record and hands the suite a store over
// them. Either way the store must match phones with the normaliser the suite gives it: the
// fixture's numbers written without a country code are FixtureRegion numbers.
//
// The suite checks the matching rules of docs/protocol.md (normalised emails and phones, name
// word prefixes, transaction identifiers, custom attributes), ordering, caps, not-found,
// concurrent use and cancelled contexts; for a Loader, loading (idempotent, all or nothing,
// updates, tombstones, replace); for an Exporter, export. Failures name the customers and the
// fields that differ.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/internal/goroutines"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// Fixture is the seed (docs/data.md, one customer per line) every test starts from.
const Fixture = `{"externalCustomerId":"C-1001","name":"Ada Lovelace","address":"12 Analytical Way, London","emails":[{"original":" Ada@Example.com "}],"phones":[{"original":"+1 (415) 555-0123","type":"MOBILE"}],"customAttributes":{"tier":"Gold","points":1200,"vip":true},"transactions":[{"type":"ORDER","orderNumber":1001,"createdAt":"2026-10-01T12:00:00Z"},{"type":"ORDER","orderNumber":"1002","createdAt":"2026-10-03T12:00:00Z"},{"type":"FLIGHT","confirmationCode":"XK7Q2P","departureTime":"2026-12-01T17:05:00Z"}]}
{"externalCustomerId":"C-1002","name":"Ada Byron","emails":["ada.byron@example.com"],"phones":["415-555-0199"],"customAttributes":{"tier":"silver"}}
{"externalCustomerId":"C-1003","name":"Charles Babbage","emails":["charles@example.com"],"phones":[{"original":"+44 20 7946 0018","type":"HOME"}],"transactions":[{"type":"STAY","confirmationNumber":"99881","checkInDate":"2026-12-02"}]}
{"externalCustomerId":"C-1004","name":"Ada Lovelace","emails":["other.ada@example.com"],"phones":[{"original":"4155550123","type":"MOBILE"}]}
{"externalCustomerId":"C-0999","name":"Grace Hopper","emails":["grace@example.com","ada@example.com"],"customAttributes":{"tier":"gold"}}
`

// FixtureRegion is the region (matching.default_region) Fixture's phone numbers assume:
// "415-555-0199" is a US number. The suite builds its normaliser for it and hands it to Open.
const FixtureRegion = "US"

// FixtureCustomers returns Fixture's customers, in its order, as a system of record would hold
// them: transactions newest first, phone numbers as written (Phone.E164 empty; a store
// normalises them with the normaliser it is given).
func FixtureCustomers() ([]store.Customer, error) {
	var out []store.Customer
	for r, err := range seedfile.Read(strings.NewReader(Fixture), "fixture.jsonl") {
		if err != nil {
			return nil, err
		}
		c := r.Customer
		c.Transactions = transactions.Newest(c.Transactions, len(c.Transactions))
		out = append(out, c)
	}
	return out, nil
}

// Open returns a new store holding exactly the customers of Fixture, one per test, matching
// phone numbers with norm (FixtureRegion's normaliser, the one the suite's queries use). A
// backend that can be loaded passes Loaded(newEmpty).
type Open func(t *testing.T, norm *store.Normalizer) store.Store

// Loaded is the Open of a backend that implements store.Loader: an empty store from newEmpty,
// with Fixture loaded into it.
func Loaded(newEmpty func(t *testing.T, norm *store.Normalizer) store.Store) Open {
	return func(t *testing.T, norm *store.Normalizer) store.Store {
		st := newEmpty(t, norm)
		l, ok := st.(store.Loader)
		if !ok {
			t.Fatalf("%T is not a store.Loader; a read-only store passes an Open of its own that serves FixtureCustomers", st)
		}
		load(t, l, Fixture, store.LoadOptions{})
		return st
	}
}

// Run runs the suite. Every backend runs the lookup tests; the loading tests run when the store
// implements store.Loader, the export test when it implements store.Exporter.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st store.Store)
	}{
		{"Link", testLink},
		{"Search", testSearch},
		{"Customer", testCustomer},
		{"ConcurrentReads", testConcurrentReads},
		{"CancelledContext", testCancelled},
		{"Export", testExport},
		{"LoadIdempotent", loading(testLoadIdempotent)},
		{"LoadUpdates", loading(testLoadUpdates)},
		{"LoadAllOrNothing", loading(testLoadAllOrNothing)},
		{"LoadDuplicate", loading(testLoadDuplicate)},
		{"Tombstones", loading(testTombstones)},
		{"AddAfterDeletes", loading(testAddAfterDeletes)},
		{"TombstonesAllOrNothing", loading(testTombstonesAllOrNothing)},
		{"Replace", loading(testReplace)},
		{"ReplaceAllOrNothing", loading(testReplaceAllOrNothing)},
		{"ReplaceOverTheLimit", loading(testReplaceOverTheLimit)},
		{"LoadWhileReading", loading(testLoadWhileReading)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t, norm))
		})
	}
}

// SearchShapes are the kinds of basic search a backend answers — each field alone, an external
// id with others, every field at once — for a test of the backend's own that checks each one's
// query plan (an index seek, never a scan).
func SearchShapes() []store.Search {
	return []store.Search{
		{Email: "a@example.com"},
		{Phone: "+14155550123"},
		{NameWords: []string{"ada"}},
		{NameWords: []string{"ada", "love"}},
		{ExternalID: "C-1"},
		{ExternalID: "C-1", Email: "a@example.com", NameWords: []string{"ada"}},
		{Identifiers: map[string]string{"orderNumber": "1001"}},
		{Attributes: map[string]string{"tier": "gold"}},
		{Email: "a@example.com", Phone: "+14155550123", NameWords: []string{"ada"}, Identifiers: map[string]string{"orderNumber": "1"}, Attributes: map[string]string{"tier": "gold"}},
	}
}

// loading adapts a test of store.Loader, skipped for a store that cannot be loaded.
func loading(fn func(t *testing.T, st store.Store, l store.Loader)) func(t *testing.T, st store.Store) {
	return func(t *testing.T, st store.Store) {
		l, ok := st.(store.Loader)
		if !ok {
			t.Skipf("%T is not a store.Loader", st)
		}
		fn(t, st, l)
	}
}

// norm is FixtureRegion's normaliser: the suite's queries and the stores under test use it.
var norm = func() *store.Normalizer {
	n, err := phone.NewNormalizer(FixtureRegion)
	if err != nil {
		panic(err)
	}
	return n
}()

func e164(s string) string {
	p, ok := norm.Phone(s)
	if !ok {
		panic("bad test phone " + s)
	}
	return p
}

// load loads jsonl (named fixture.jsonl) and fails the test on any error.
func load(t *testing.T, l store.Loader, jsonl string, opts store.LoadOptions) store.LoadStats {
	t.Helper()
	stats, err := l.Load(context.Background(), seedfile.Read(strings.NewReader(jsonl), "fixture.jsonl"), opts)
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

// names maps the external ids the tests use to the customers' names, for failure messages.
var names = func() map[string]string {
	m := map[string]string{}
	for r, err := range seedfile.Read(strings.NewReader(Fixture), "fixture.jsonl") {
		if err == nil {
			m[r.Customer.ExternalID] = r.Customer.Name
		}
	}
	return m
}()

// who names the customers of the id list, with their fixture names where they have one.
func who(list []string) string {
	out := make([]string, len(list))
	for i, id := range list {
		out[i] = id
		if n := names[id]; n != "" {
			out[i] += " (" + n + ")"
		}
	}
	return strings.Join(out, ", ")
}

// expect fails unless cs are the customers want lists (space-separated ids, in order), and
// carry no transactions; the message says which customers were missing, unexpected or out of
// order.
func expect(t testing.TB, what string, cs []store.Customer, err error, want string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got := ids(cs); got != want {
		gotIDs, wantIDs := strings.Fields(got), strings.Fields(want)
		var missing, extra []string
		for _, id := range wantIDs {
			if !slices.Contains(gotIDs, id) {
				missing = append(missing, id)
			}
		}
		for _, id := range gotIDs {
			if !slices.Contains(wantIDs, id) {
				extra = append(extra, id)
			}
		}
		var why []string
		if len(missing) > 0 {
			why = append(why, "missing "+who(missing))
		}
		if len(extra) > 0 {
			why = append(why, "not expected "+who(extra))
		}
		if len(why) == 0 {
			why = append(why, "the right customers in the wrong order")
		}
		t.Errorf("%s = [%s], want [%s]: %s", what, got, want, strings.Join(why, "; "))
	}
	for _, c := range cs {
		if len(c.Transactions) > 0 {
			t.Errorf("%s: %s carries transactions; BASIC results must not", what, c.ExternalID)
		}
	}
}

// diff lists the fields of got that differ from want (both the same customer), as
// "field: got …, want …". Emails compare normalised, phones by E.164 (when got has one) and
// type, attributes by their string form, transactions by their wire form.
func diff(got, want store.Customer) []string {
	var out []string
	field := func(name string, g, w any) {
		if fmt.Sprint(g) != fmt.Sprint(w) {
			out = append(out, fmt.Sprintf("%s: got %q, want %q", name, fmt.Sprint(g), fmt.Sprint(w)))
		}
	}
	field("externalCustomerId", got.ExternalID, want.ExternalID)
	field("name", got.Name, want.Name)
	field("address", got.Address, want.Address)
	normalised := func(emails []string) []string {
		out := make([]string, len(emails))
		for i, e := range emails {
			out[i] = store.NormalizeEmail(e)
		}
		return out
	}
	field("emails", normalised(got.Emails), normalised(want.Emails))
	field("phones (count)", len(got.Phones), len(want.Phones))
	for i := range min(len(got.Phones), len(want.Phones)) {
		g, w := got.Phones[i], want.Phones[i]
		if g.E164 == "" {
			g.E164, _ = norm.Phone(g.Original)
		}
		w.E164, _ = norm.Phone(w.Original)
		field(fmt.Sprintf("phones[%d] (E.164)", i), g.E164, w.E164)
		field(fmt.Sprintf("phones[%d].type", i), g.Type, w.Type)
	}
	for _, k := range slices.Sorted(maps.Keys(want.CustomAttributes)) {
		g, ok := got.CustomAttributes[k]
		if !ok {
			out = append(out, fmt.Sprintf("customAttributes.%s: missing, want %q", k, want.CustomAttributes[k].String()))
			continue
		}
		field("customAttributes."+k, g.String(), want.CustomAttributes[k].String())
	}
	for _, k := range slices.Sorted(maps.Keys(got.CustomAttributes)) {
		if _, ok := want.CustomAttributes[k]; !ok {
			out = append(out, fmt.Sprintf("customAttributes.%s: not expected (%q)", k, got.CustomAttributes[k].String()))
		}
	}
	field("transactions (count)", len(got.Transactions), len(want.Transactions))
	for i := range min(len(got.Transactions), len(want.Transactions)) {
		field(fmt.Sprintf("transactions[%d]", i), string(got.Transactions[i].Wire()), string(want.Transactions[i].Wire()))
	}
	return out
}

// fixtureCustomer is the fixture's customer id, with its transactions when withTx is set.
func fixtureCustomer(t *testing.T, id string, withTx bool) store.Customer {
	t.Helper()
	cs, err := FixtureCustomers()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.ExternalID == id {
			if !withTx {
				c.Transactions = nil
			}
			return c
		}
	}
	t.Fatalf("no fixture customer %s", id)
	return store.Customer{}
}

// expectCustomer fails with every field of got that differs from want.
func expectCustomer(t testing.TB, what string, got, want store.Customer) {
	t.Helper()
	if d := diff(got, want); len(d) > 0 {
		t.Errorf("%s: %s (%s) differs:\n  %s", what, want.ExternalID, want.Name, strings.Join(d, "\n  "))
	}
}

func testLink(t *testing.T, b store.Store) {
	ctx := context.Background()
	cs, err := b.Link(ctx, store.Link{Emails: []string{"ada@example.com"}, Phones: []string{e164("+14155550123")}, Limit: 25})
	expect(t, "email and phone", cs, err, "C-1001 C-0999 C-1004")
	cs, err = b.Link(ctx, store.Link{Emails: []string{store.NormalizeEmail("  CHARLES@example.COM")}, Limit: 25})
	expect(t, "email only, normalised", cs, err, "C-1003")
	cs, err = b.Link(ctx, store.Link{Phones: []string{e164("415-555-0199")}, Limit: 25})
	expect(t, "phone in another format", cs, err, "C-1002")
	cs, err = b.Link(ctx, store.Link{Emails: []string{"nobody@example.com"}, Phones: []string{e164("+12125550000")}, Limit: 25})
	expect(t, "no match", cs, err, "")
	cs, err = b.Link(ctx, store.Link{Limit: 25})
	expect(t, "empty query", cs, err, "")
	cs, err = b.Link(ctx, store.Link{Emails: []string{"ada@example.com"}, Phones: []string{e164("+14155550123")}, Limit: 2})
	expect(t, "capped", cs, err, "C-1001 C-0999")

	cs, _ = b.Link(ctx, store.Link{Emails: []string{"ada@example.com"}, Limit: 25})
	for _, c := range cs {
		if c.ExternalID == "C-1001" {
			expectCustomer(t, "read back by Link", c, fixtureCustomer(t, "C-1001", false))
		}
	}
}

func testSearch(t *testing.T, b store.Store) {
	ctx := context.Background()
	cases := []struct {
		name string
		q    store.Search
		want string
	}{
		{"email", store.Search{Email: "ada.byron@example.com"}, "C-1002"},
		{"phone", store.Search{Phone: e164("(415) 555-0123")}, "C-1001 C-1004"},
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
		{"combined with external id", store.Search{ExternalID: "C-1001", Phone: e164("+14155550123")}, "C-1001"},
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

func testCustomer(t *testing.T, b store.Store) {
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
	expectCustomer(t, "Customer", c, fixtureCustomer(t, "C-1001", true))
	c, err = b.Customer(ctx, "C-1001", 2)
	if err != nil || len(c.Transactions) != 2 {
		t.Errorf("capped at 2: %d, %v", len(c.Transactions), err)
	}
	if _, err := b.Customer(ctx, "C-404", 50); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown id: err = %v, want ErrNotFound", err)
	}
}

func testLoadIdempotent(t *testing.T, b store.Store, l store.Loader) {
	stats := load(t, l, Fixture, store.LoadOptions{})
	if want := (store.LoadStats{Read: 5, Unchanged: 5}); !sameStats(stats, want) {
		t.Errorf("second load of the same data: %+v, want %+v", stats, want)
	}
	cs, err := b.Search(context.Background(), store.Search{NameWords: []string{"ada"}, Limit: 25})
	expect(t, "after reload", cs, err, "C-1001 C-1002 C-1004")
}

// sameStats compares the counts of two LoadStats.
func sameStats(a, b store.LoadStats) bool {
	return a.Read == b.Read && a.Added == b.Added && a.Changed == b.Changed && a.Unchanged == b.Unchanged &&
		a.Deleted == b.Deleted && a.Unknown == b.Unknown
}

func testLoadUpdates(t *testing.T, b store.Store, l store.Loader) {
	ctx := context.Background()
	stats := load(t, l, `{"externalCustomerId":"C-1002","name":"Augusta King","emails":["augusta@example.com"],"transactions":[{"type":"ORDER","orderNumber":"2001"}]}
{"externalCustomerId":"C-2000","name":"New Person"}`, store.LoadOptions{})
	if want := (store.LoadStats{Read: 2, Added: 1, Changed: 1}); !sameStats(stats, want) {
		t.Errorf("update: %+v, want %+v", stats, want)
	}
	cs, err := b.Search(ctx, store.Search{Email: "ada.byron@example.com", Limit: 25})
	expect(t, "old email gone", cs, err, "")
	cs, err = b.Search(ctx, store.Search{NameWords: []string{"byron"}, Limit: 25})
	expect(t, "old name gone", cs, err, "")
	cs, err = b.Search(ctx, store.Search{Attributes: map[string]string{"tier": "silver"}, Limit: 25})
	expect(t, "old attribute gone", cs, err, "")
	cs, err = b.Link(ctx, store.Link{Phones: []string{e164("415-555-0199")}, Limit: 25})
	expect(t, "old phone gone", cs, err, "")
	cs, err = b.Search(ctx, store.Search{Email: "augusta@example.com", NameWords: []string{"aug"}, Identifiers: map[string]string{"orderNumber": "2001"}, Limit: 25})
	expect(t, "new values", cs, err, "C-1002")
}

func testLoadAllOrNothing(t *testing.T, b store.Store, l store.Loader) {
	bad := `{"externalCustomerId":"C-2001","name":"New Person","emails":["new@example.com"]}
{"externalCustomerId":"C-1001","name":"Changed"}
{"externalCustomerId":"C-2002","transactions":[{"type":"CAR"}]}
`
	_, err := l.Load(context.Background(), seedfile.Read(strings.NewReader(bad), "bad.jsonl"), store.LoadOptions{})
	var re *store.RecordError
	if !errors.As(err, &re) || re.Line != 3 || re.Field != "transactions[0].type" {
		t.Fatalf("err = %v, want a RecordError at line 3, field transactions[0].type", err)
	}
	if !strings.Contains(err.Error(), "bad.jsonl:3: transactions[0].type") {
		t.Errorf("error text %q does not name the file, line and field", err)
	}
	assertFixtureIntact(t, b)
}

// assertFixtureIntact fails unless b still holds the fixture as loaded, and nothing more.
func assertFixtureIntact(t *testing.T, b store.Store) {
	t.Helper()
	ctx := context.Background()
	cs, err := b.Search(ctx, store.Search{Email: "new@example.com", Limit: 25})
	expect(t, "nothing from the failed load", cs, err, "")
	c, err := b.Customer(ctx, "C-1001", 50)
	if err != nil || c.Name != "Ada Lovelace" || len(c.Transactions) != 3 {
		t.Errorf("C-1001 changed by a failed load: %q, %d transactions, %v", c.Name, len(c.Transactions), err)
	}
	cs, err = b.Search(ctx, store.Search{NameWords: []string{"a"}, Limit: 25})
	expect(t, "every fixture customer", cs, err, "C-1001 C-1002 C-1004")
	cs, err = b.Link(ctx, store.Link{Emails: []string{"charles@example.com", "grace@example.com"}, Limit: 25})
	expect(t, "the others", cs, err, "C-0999 C-1003")
}

func testLoadDuplicate(t *testing.T, b store.Store, l store.Loader) {
	dup := `{"externalCustomerId":"C-2001","name":"New Person","emails":["new@example.com"]}
{"externalCustomerId":"C-2002","name":"Other"}
{"externalCustomerId":"C-2001","name":"Same Id Again"}
`
	_, err := l.Load(context.Background(), seedfile.Read(strings.NewReader(dup), "dup.jsonl"), store.LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "dup.jsonl:3") || !strings.Contains(err.Error(), "dup.jsonl:1") {
		t.Fatalf("a load naming C-2001 twice: %v; want an error naming dup.jsonl:3 and dup.jsonl:1", err)
	}
	assertFixtureIntact(t, b)
}

// assertGone fails if the customer can still be found, by id or by any key it had.
func assertGone(t *testing.T, b store.Store, id string) {
	t.Helper()
	if _, err := b.Customer(context.Background(), id, 50); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: Customer err = %v, want ErrNotFound", id, err)
	}
	cs, err := b.Search(context.Background(), store.Search{ExternalID: id, Limit: 25})
	expect(t, id+" by external id", cs, err, "")
}

func testTombstones(t *testing.T, b store.Store, l store.Loader) {
	ctx := context.Background()
	stats := load(t, l, `{"externalCustomerId":"C-1001","deleted":true}
{"externalCustomerId":"C-404","deleted":true}`, store.LoadOptions{})
	if want := (store.LoadStats{Read: 2, Deleted: 1, Unknown: 1}); !sameStats(stats, want) || len(stats.UnknownIDs) != 1 || stats.UnknownIDs[0] != "C-404" {
		t.Errorf("tombstones: %+v, want %+v and C-404 unknown", stats, want)
	}
	assertGone(t, b, "C-1001")
	// Every way of finding C-1001 now finds only the others that share it.
	cs, err := b.Link(ctx, store.Link{Emails: []string{"ada@example.com"}, Phones: []string{e164("+14155550123")}, Limit: 25})
	expect(t, "by its email and phone", cs, err, "C-0999 C-1004")
	cs, err = b.Search(ctx, store.Search{NameWords: []string{"lovelace"}, Limit: 25})
	expect(t, "by its name", cs, err, "C-1004")
	cs, err = b.Search(ctx, store.Search{Identifiers: map[string]string{"orderNumber": "1001"}, Limit: 25})
	expect(t, "by its order number", cs, err, "")
	cs, err = b.Search(ctx, store.Search{Identifiers: map[string]string{"confirmationCode": "XK7Q2P"}, Limit: 25})
	expect(t, "by its flight", cs, err, "")
	cs, err = b.Search(ctx, store.Search{Attributes: map[string]string{"points": "1200"}, Limit: 25})
	expect(t, "by its attribute", cs, err, "")
	// Loading it again brings it back.
	load(t, l, strings.SplitN(Fixture, "\n", 2)[0], store.LoadOptions{})
	c, err := b.Customer(ctx, "C-1001", 50)
	if err != nil || len(c.Transactions) != 3 {
		t.Errorf("C-1001 loaded again: %d transactions, %v", len(c.Transactions), err)
	}
}

// testAddAfterDeletes removes the customer loaded last, then adds customers in a second load:
// each new one is found by its own keys and answers with its own data, and no one else's
// answers change.
func testAddAfterDeletes(t *testing.T, b store.Store, l store.Loader) {
	ctx := context.Background()
	load(t, l, `{"externalCustomerId":"C-0999","deleted":true}`, store.LoadOptions{})
	stats := load(t, l, `{"externalCustomerId":"C-2001","name":"Hedy Lamarr","emails":["hedy@example.com"],"transactions":[{"type":"ORDER","orderNumber":"2001"}]}
{"externalCustomerId":"C-2002","name":"Alan Turing","emails":["alan@example.com"],"customAttributes":{"tier":"gold"}}`, store.LoadOptions{})
	if want := (store.LoadStats{Read: 2, Added: 2}); !sameStats(stats, want) {
		t.Errorf("second load: %+v, want %+v", stats, want)
	}
	for email, id := range map[string]string{"hedy@example.com": "C-2001", "alan@example.com": "C-2002", "ada@example.com": "C-1001"} {
		cs, err := b.Link(ctx, store.Link{Emails: []string{email}, Limit: 25})
		expect(t, "by "+email, cs, err, id)
	}
	cs, err := b.Search(ctx, store.Search{Identifiers: map[string]string{"orderNumber": "2001"}, Limit: 25})
	expect(t, "by the new order number", cs, err, "C-2001")
	cs, err = b.Search(ctx, store.Search{Attributes: map[string]string{"tier": "gold"}, Limit: 25})
	expect(t, "by a shared attribute", cs, err, "C-1001 C-2002")
	c, err := b.Customer(ctx, "C-2001", 50)
	if err != nil || c.Name != "Hedy Lamarr" || len(c.Transactions) != 1 {
		t.Errorf("C-2001 = %+v, %v", c, err)
	}
	assertGone(t, b, "C-0999")
	cs, err = b.Search(ctx, store.Search{NameWords: []string{"a"}, Limit: 25})
	expect(t, "everyone by a name word", cs, err, "C-1001 C-1002 C-1004 C-2002")
	if c, err := b.Customer(ctx, "C-1001", 50); err != nil || c.Name != "Ada Lovelace" || len(c.Transactions) != 3 {
		t.Errorf("C-1001 = %+v, %v", c, err)
	}
}

func testTombstonesAllOrNothing(t *testing.T, b store.Store, l store.Loader) {
	bad := `{"externalCustomerId":"C-1001","deleted":true}
{"externalCustomerId":"C-2002","transactions":[{"type":"CAR"}]}
`
	if _, err := l.Load(context.Background(), seedfile.Read(strings.NewReader(bad), "bad.jsonl"), store.LoadOptions{}); err == nil {
		t.Fatal("a load with a bad record succeeded")
	}
	assertFixtureIntact(t, b)
}

// replacement is the whole truth of testReplace: C-1001 as in Fixture, C-1002 changed, C-5000
// new; the fixture's C-0999, C-1003 and C-1004 are in none of it.
var replacement = strings.SplitN(Fixture, "\n", 2)[0] + `
{"externalCustomerId":"C-1002","name":"Ada Byron King","emails":["ada.byron@example.com"]}
{"externalCustomerId":"C-5000","name":"Newcomer","emails":["new@example.com"]}
`

func testReplace(t *testing.T, b store.Store, l store.Loader) {
	ctx := context.Background()
	stats := load(t, l, replacement, store.LoadOptions{Replace: true})
	if want := (store.LoadStats{Read: 3, Added: 1, Changed: 1, Unchanged: 1, Deleted: 3}); !sameStats(stats, want) {
		t.Errorf("replace: %+v, want %+v", stats, want)
	}
	for _, id := range []string{"C-0999", "C-1003", "C-1004"} {
		assertGone(t, b, id)
	}
	cs, err := b.Link(ctx, store.Link{Emails: []string{"ada@example.com", "charles@example.com", "grace@example.com", "new@example.com"}, Phones: []string{e164("+14155550123")}, Limit: 25})
	expect(t, "by every email of the old and new data", cs, err, "C-1001 C-5000")
	cs, err = b.Search(ctx, store.Search{NameWords: []string{"ada"}, Limit: 25})
	expect(t, "by name", cs, err, "C-1001 C-1002")
	// Replacing again with the same truth changes nothing.
	stats = load(t, l, replacement, store.LoadOptions{Replace: true})
	if want := (store.LoadStats{Read: 3, Unchanged: 3}); !sameStats(stats, want) {
		t.Errorf("replace again: %+v, want %+v", stats, want)
	}
}

func testReplaceAllOrNothing(t *testing.T, b store.Store, l store.Loader) {
	bad := replacement + `{"externalCustomerId":"C-2002","transactions":[{"type":"CAR"}]}` + "\n"
	if _, err := l.Load(context.Background(), seedfile.Read(strings.NewReader(bad), "bad.jsonl"), store.LoadOptions{Replace: true}); err == nil {
		t.Fatal("a replace with a bad record succeeded")
	}
	assertFixtureIntact(t, b)
}

// testReplaceOverTheLimit: a Replace that would remove more customers than its DeleteLimit
// allows writes nothing and says how many; within the limit it goes through.
func testReplaceOverTheLimit(t *testing.T, b store.Store, l store.Loader) {
	ctx := context.Background()
	_, err := l.Load(ctx, seedfile.Read(strings.NewReader(replacement), "r.jsonl"), store.LoadOptions{Replace: true, MaxDelete: store.DeleteLimit{Count: 2}})
	var tooMany *store.TooManyDeletesError
	if !errors.As(err, &tooMany) || tooMany.Would != 3 || tooMany.Stored != 5 || tooMany.Max != 2 {
		t.Fatalf("a replace removing 3 of 5 with a limit of 2: %v, want a TooManyDeletesError (3 of 5, limit 2)", err)
	}
	assertFixtureIntact(t, b)
	if _, err := l.Load(ctx, seedfile.Read(strings.NewReader(replacement), "r.jsonl"), store.LoadOptions{Replace: true, MaxDelete: store.DeleteLimit{Percent: 60}}); err != nil {
		t.Fatalf("a replace removing 3 of 5 with a limit of 60%%: %v", err)
	}
	assertGone(t, b, "C-1004")
}

func testExport(t *testing.T, b store.Store) {
	e, ok := b.(store.Exporter)
	if !ok {
		t.Skipf("%T is not a store.Exporter", b)
	}
	ctx := context.Background()
	var got []string
	for c, err := range e.Export(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c.ExternalID)
		want, err := b.Customer(ctx, c.ExternalID, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if a, w := string(Encode(t, &c)), string(Encode(t, &want)); a != w {
			d := diff(c, want)
			if len(d) == 0 {
				d = []string{"seed form: got " + a + ", want " + w}
			}
			t.Errorf("exported %s differs from what Customer answers:\n  %s", c.ExternalID, strings.Join(d, "\n  "))
		}
	}
	if strings.Join(got, " ") != "C-0999 C-1001 C-1002 C-1003 C-1004" {
		t.Errorf("exported %v, want every customer in external id order", got)
	}
	for range e.Export(ctx) {
		break // stopping early must be fine
	}
}

func testConcurrentReads(t *testing.T, b store.Store) {
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
					errs <- fmt.Errorf("link: %s %v", ids(cs), err)
					return
				}
				if _, err := b.Customer(ctx, "C-1001", 50); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// testLoadWhileReading changes, deletes and replaces while readers look up: every read
// answers, and each customer read is one version or the other, never a mix.
func testLoadWhileReading(t *testing.T, b store.Store, l store.Loader) {
	ctx := context.Background()
	version := func(v int) string {
		return fmt.Sprintf(`{"externalCustomerId":"C-7000","name":"Version%d","emails":["v@example.com"],"transactions":[{"type":"ORDER","orderNumber":"V%d"}]}`, v, v)
	}
	load(t, l, version(0), store.LoadOptions{})
	errs := make(chan error, 64)
	stop := goroutines.Repeat(4, func() bool {
		c, err := b.Customer(ctx, "C-7000", 50)
		if errors.Is(err, store.ErrNotFound) {
			return true // between a delete and the next load
		}
		if err != nil {
			errs <- err
			return false
		}
		var tx map[string]string
		if len(c.Transactions) != 1 || json.Unmarshal(c.Transactions[0].Wire(), &tx) != nil ||
			"Version"+strings.TrimPrefix(tx["orderNumber"], "V") != c.Name {
			errs <- fmt.Errorf("a mixed customer: %s with %v", c.Name, c.Transactions)
			return false
		}
		if _, err := b.Link(ctx, store.Link{Emails: []string{"charles@example.com"}, Limit: 25}); err != nil {
			errs <- err
			return false
		}
		return true
	})
	for v := 1; v <= 20; v++ {
		var err error
		switch v % 3 {
		case 0:
			_, err = l.Load(ctx, seedfile.Read(strings.NewReader(`{"externalCustomerId":"C-7000","deleted":true}`), "t.jsonl"), store.LoadOptions{})
		case 1:
			_, err = l.Load(ctx, seedfile.Read(strings.NewReader(Fixture+version(v)), "r.jsonl"), store.LoadOptions{Replace: true})
		default:
			_, err = l.Load(ctx, seedfile.Read(strings.NewReader(version(v)), "u.jsonl"), store.LoadOptions{})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	stop()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testCancelled(t *testing.T, b store.Store) {
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

// Encode is c's seed record (seedfile.Encode), failing t on an error: a customer's whole content
// in one comparable form.
func Encode(t testing.TB, c *store.Customer) []byte {
	t.Helper()
	b, err := seedfile.Encode(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/answer"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite/sqlitetest"
	"github.com/lookup-adaptor/lookup-adaptor/store/storetest"
)

// TestBackendsAgreeOnAGeneratedStore loads one generated store three ways — into the memory
// store, which has none of SQLite's loading shortcuts; into an empty SQLite store, which stages
// its keys and skips the WAL; and into a SQLite store that already has a customer, which writes
// every key as it comes — and asks each the same lookups of every customer: its whole record,
// auto-link by its email and phone, and searches by name, identifier and attribute. Every
// answer must be the same.
func TestBackendsAgreeOnAGeneratedStore(t *testing.T) {
	jsonl, err := runQuiet("", "generate", "--customers", "400", "--transactions", "6")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	norm, err := phone.NewNormalizer("US")
	if err != nil {
		t.Fatal(err)
	}
	load := func(l store.Loader, text string) {
		t.Helper()
		if _, err := l.Load(ctx, seedfile.Read(strings.NewReader(text), "gen.jsonl"), store.LoadOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	openSQLite := func(name string) *sqlite.DB { return sqlitetest.Open(t, filepath.Join(t.TempDir(), name), norm) }
	mem := memory.New(norm)
	load(mem, jsonl)
	empty := openSQLite("empty.db")
	load(empty, jsonl)
	stocked := openSQLite("stocked.db")
	first, rest, _ := strings.Cut(jsonl, "\n")
	load(stocked, first+"\n")
	load(stocked, rest)
	stores := map[string]store.Store{"sqlite, loaded empty": empty, "sqlite, loaded with a customer": stocked}

	profiles := 0 // results SQLite answered with a stored profile
	same := func(what string, ask func(store.Store) ([]store.Customer, error)) {
		t.Helper()
		want, err := ask(mem)
		if err != nil {
			t.Fatalf("%s, memory: %v", what, err)
		}
		for name, st := range stores {
			got, err := ask(st)
			if err != nil {
				t.Fatalf("%s, %s: %v", what, name, err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s, %s: %s; memory: %s", what, name, customerIDs(got), customerIDs(want))
			}
			for i := range got {
				if !bytes.Equal(storetest.Encode(t, &got[i]), storetest.Encode(t, &want[i])) {
					t.Fatalf("%s, %s, result %d:\n%s\nmemory:\n%s", what, name, i, storetest.Encode(t, &got[i]), storetest.Encode(t, &want[i]))
				}
				// SQLite answers with the profile it rendered when loading; the memory store's
				// is rendered as it is answered. The bytes must be the same.
				if got[i].Profile != nil {
					profiles++
				}
				if g, w := answer.AppendProfile(nil, &got[i], norm.Phone), answer.AppendProfile(nil, &want[i], norm.Phone); !bytes.Equal(g, w) {
					t.Fatalf("%s, %s, result %d answers\n%s\nmemory:\n%s", what, name, i, g, w)
				}
			}
		}
	}
	n := 0
	for c, err := range mem.Export(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		id := c.ExternalID
		same("customer "+id, func(st store.Store) ([]store.Customer, error) {
			c, err := st.Customer(ctx, id, 4)
			return []store.Customer{c}, err
		})
		link := store.Link{Emails: []string{store.NormalizeEmail(c.Emails[0])}, Limit: 25}
		if e164, ok := norm.Phone(c.Phones[0].Original); ok {
			link.Phones = []string{e164}
		}
		same("link "+id, func(st store.Store) ([]store.Customer, error) { return st.Link(ctx, link) })
		search := store.Search{NameWords: store.NameWords(c.Name), Limit: 25}
		same("search by name "+id, func(st store.Store) ([]store.Customer, error) { return st.Search(ctx, search) })
		for _, tx := range c.Transactions[:1] {
			for _, ident := range tx.Identifiers() {
				q := store.Search{Identifiers: map[string]string{ident[0]: ident[1]}, Limit: 25}
				same("search by "+ident[0]+" "+id, func(st store.Store) ([]store.Customer, error) { return st.Search(ctx, q) })
			}
		}
		for attr, v := range c.CustomAttributes {
			q := store.Search{Attributes: map[string]string{attr: v.String()}, NameWords: store.NameWords(c.Name)[:1], Limit: 25}
			same("search by "+attr+" "+id, func(st store.Store) ([]store.Customer, error) { return st.Search(ctx, q) })
		}
	}
	if n != 400 {
		t.Fatalf("%d customers, want 400", n)
	}
	if profiles == 0 {
		t.Fatal("no SQLite result had a stored profile: the comparison of profiles compared nothing")
	}
}

package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
)

func TestRecentKeepsTheLatestUsed(t *testing.T) {
	r := newRecent(2)
	key := func(id string) recentKey { return recentKey{id, 50} }
	for i, id := range []string{"a", "b", "c"} {
		r.put(key(id), int64(i), store.Customer{ExternalID: id})
	}
	if _, _, ok := r.get(key("a")); ok {
		t.Error("a is kept past the bound of 2")
	}
	r.get(key("b")) // b is now the latest used, so c goes next
	r.put(key("d"), 3, store.Customer{ExternalID: "d"})
	for id, kept := range map[string]bool{"b": true, "c": false, "d": true} {
		if _, _, ok := r.get(key(id)); ok != kept {
			t.Errorf("%s kept: %v, want %v", id, ok, kept)
		}
	}
	r.put(key("d"), 2, store.Customer{ExternalID: "older"})
	if c, v, _ := r.get(key("d")); c.ExternalID != "d" || v != 3 {
		t.Errorf("a read at an older version replaced a newer one: %s at %d", c.ExternalID, v)
	}
	if n := r.order.Len(); n != 2 || len(r.byKey) != 2 {
		t.Errorf("%d customers in order, %d by key; want 2", n, len(r.byKey))
	}
}

// Two handles on one file are, to SQLite, two processes: one serves lookups, the other loads,
// as `seed` and `delete` do. Every load shows in the next lookup, kept customer or not.
func TestRecentCustomersFollowLoadsElsewhere(t *testing.T) {
	ctx := context.Background()
	norm, _ := phone.NewNormalizer("US")
	path := filepath.Join(t.TempDir(), "recent.db")
	open := func(create bool) *DB {
		db, err := Open(ctx, Options{DSN: path, Normalizer: norm, Create: create})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	seeder := open(true)
	if _, err := seeder.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	server := open(false)
	load := func(jsonl string) {
		t.Helper()
		if _, err := seeder.Load(ctx, seedfile.Read(strings.NewReader(jsonl), "test.jsonl"), store.LoadOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	name := func() string {
		t.Helper()
		c, err := server.Customer(ctx, "C-1", 50)
		if errors.Is(err, store.ErrNotFound) {
			return "(none)"
		}
		if err != nil {
			t.Fatal(err)
		}
		return c.Name
	}
	load(`{"externalCustomerId":"C-1","name":"Ada"}` + "\n" + `{"externalCustomerId":"C-2","name":"Bea"}`)
	if got := name(); got != "Ada" {
		t.Fatalf("C-1 is %q", got)
	}
	// Changed behind the store's version, the row is not read again: the kept customer answers.
	if _, err := server.f.w.ExecContext(ctx, "UPDATE customers SET name = 'unseen' WHERE external_id = 'C-1'"); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != "Ada" {
		t.Fatalf("asked again, C-1 is %q: it was read again, not kept", got)
	}
	for i, step := range []struct{ jsonl, want string }{
		{`{"externalCustomerId":"C-1","name":"Grace"}`, "Grace"},
		{`{"externalCustomerId":"C-2","name":"Bea Changed"}`, "Grace"}, // another customer's change
		{`{"externalCustomerId":"C-1","deleted":true}`, "(none)"},
		{`{"externalCustomerId":"C-1","name":"Ada Again"}`, "Ada Again"},
	} {
		load(step.jsonl)
		for range 2 {
			if got := name(); got != step.want {
				t.Errorf("step %d: C-1 is %q, want %q", i, got, step.want)
			}
		}
	}
	// A load that changes nothing keeps what is kept.
	if _, err := server.f.w.ExecContext(ctx, "UPDATE customers SET name = 'unseen again' WHERE external_id = 'C-1'"); err != nil {
		t.Fatal(err)
	}
	load(`{"externalCustomerId":"C-2","name":"Bea Changed"}`)
	if got := name(); got != "Ada Again" {
		t.Errorf("after a load that changed nothing, C-1 is %q", got)
	}
}

// The kept customers stay within their bound however many are asked for.
func TestRecentIsBounded(t *testing.T) {
	ctx := context.Background()
	norm, _ := phone.NewNormalizer("US")
	db, err := Open(ctx, Options{DSN: filepath.Join(t.TempDir(), "bound.db"), Normalizer: norm, Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var jsonl strings.Builder
	for i := range 2 * recentCustomers {
		fmt.Fprintf(&jsonl, `{"externalCustomerId":"C-%d","name":"N"}`+"\n", i)
	}
	if _, err := db.Load(ctx, seedfile.Read(strings.NewReader(jsonl.String()), "many.jsonl"), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 * recentCustomers {
		if _, err := db.Customer(ctx, fmt.Sprintf("C-%d", i), 50); err != nil {
			t.Fatal(err)
		}
	}
	if n := db.f.recent.order.Len(); n != recentCustomers {
		t.Errorf("%d customers kept, want %d", n, recentCustomers)
	}
}

package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/answer"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// TestTransactionMigrations: a store written before migration 3, its transactions one row each
// keyed (customer_id, seq) WITHOUT ROWID, answers exactly as before once migrations 3 (rowid
// keys) and 4 (chunks) have rewritten them.
func TestTransactionMigrations(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	current := openAt(t, filepath.Join(dir, "current.db"))
	seed, err := os.Open("../../testdata/seed/demo.json")
	if err != nil {
		t.Fatal(err)
	}
	defer seed.Close()
	if _, err := current.Load(ctx, seedfile.Read(seed, "demo.json"), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := current.Load(ctx, seedfile.Read(strings.NewReader(manyTransactions("M-1", 150)), "many.jsonl"), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	want := exported(t, current)
	withTransactions, most := 0, 0
	for _, c := range want {
		if len(c.Transactions) > 0 {
			withTransactions++
		}
		most = max(most, len(c.Transactions))
	}
	if withTransactions < 10 || most <= 2*64 {
		t.Fatalf("the demo seed has %d customers with transactions, at most %d each; the test needs more", withTransactions, most)
	}

	// The same data in a file that has only migrations 1 and 2, transactions in their layout.
	oldPath := filepath.Join(dir, "old.db")
	old, err := sql.Open("sqlite3", "file:"+oldPath+"?mode=rwc")
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	old.SetMaxOpenConns(1)
	steps := []string{"CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"}
	for _, name := range []string{"0001_init.sql", "0002_customer_id_indexes.sql"} {
		script, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, string(script))
	}
	steps = append(steps,
		"INSERT INTO schema_migrations (version) VALUES (1), (2)",
		"ATTACH DATABASE '"+filepath.Join(dir, "current.db")+"' AS cur",
		// The fingerprint as the build before profiles wrote it: store.Fingerprint alone.
		"INSERT INTO customers SELECT id, external_id, name, address, details, substr(fingerprint, 1, 64) FROM cur.customers",
		"INSERT INTO customer_emails SELECT * FROM cur.customer_emails",
		"INSERT INTO customer_phones SELECT * FROM cur.customer_phones",
		"INSERT INTO customer_name_words SELECT * FROM cur.customer_name_words",
		"INSERT INTO customer_attributes SELECT * FROM cur.customer_attributes",
		"INSERT INTO transaction_identifiers SELECT * FROM cur.transaction_identifiers",
		"DETACH DATABASE cur")
	for _, s := range steps {
		if _, err := old.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	for _, c := range want {
		for seq, tx := range c.Transactions {
			if _, err := old.Exec(`INSERT INTO transactions (customer_id, seq, type, sort_time, wire)
				SELECT id, ?, ?, ?, ? FROM customers WHERE external_id = ?`,
				seq, string(tx.Type()), tx.Date().UnixMicro(), string(tx.Wire()), c.ExternalID); err != nil {
				t.Fatal(err)
			}
		}
	}
	var oldRows int
	if err := old.QueryRow("SELECT count(*) FROM transactions WHERE seq > 0").Scan(&oldRows); err != nil || oldRows == 0 {
		t.Fatalf("the old layout holds %d later transactions (%v)", oldRows, err)
	}
	old.Close()

	migrated := openAt(t, oldPath)
	if n, err := migrated.Migrate(ctx); err != nil || n != 0 {
		t.Fatalf("openAt migrated; again: %d, %v", n, err)
	}
	got := exported(t, migrated)
	if !reflect.DeepEqual(withoutProfiles(got), withoutProfiles(want)) {
		t.Errorf("after the migration the store exports\n%+v\nwant\n%+v", got, want)
	}
	for _, c := range want {
		for _, n := range []int{2, 64, 65} {
			a, errA := current.Customer(ctx, c.ExternalID, n)
			b, errB := migrated.Customer(ctx, c.ExternalID, n)
			if errA != nil || errB != nil || !reflect.DeepEqual(withoutProfiles([]store.Customer{a}), withoutProfiles([]store.Customer{b})) {
				t.Errorf("%s, newest %d: %+v (%v) after the migration, want %+v (%v)", c.ExternalID, n, b, errB, a, errA)
			}
			sameProfile(t, a, b)
		}
	}

	// Loading the same customers again stores their profiles, as loading them fresh does.
	demo, err := os.ReadFile("../../testdata/seed/demo.json")
	if err != nil {
		t.Fatal(err)
	}
	stats, err := migrated.Load(ctx, seedfile.Read(strings.NewReader(string(demo)), "demo.json"), store.LoadOptions{})
	if err != nil || stats.Unchanged != 0 || stats.Changed == 0 {
		t.Fatalf("loading the demo customers again: %+v, %v; want every one changed", stats, err)
	}
	for c, err := range migrated.Export(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(c.ExternalID, "C-") && c.Profile == nil {
			t.Errorf("%s has no profile after it was loaded again", c.ExternalID)
		}
	}

	tables := column(t, readOnly(t, oldPath), "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'transaction%' ORDER BY name")
	if strings.Join(tables, " ") != "transaction_chunks transaction_identifiers" {
		t.Errorf("tables after the migrations: %q", tables)
	}
}

// withoutProfiles is cs with their Profile fields cleared, to compare what else they hold.
func withoutProfiles(cs []store.Customer) []store.Customer {
	out := slices.Clone(cs)
	for i := range out {
		out[i].Profile = nil
	}
	return out
}

// sameProfile checks that stored, read from a store that rendered its profile when loading it,
// answers with the bytes plain, read where none was stored, is rendered into.
func sameProfile(t *testing.T, stored, plain store.Customer) {
	t.Helper()
	if stored.Profile == nil || plain.Profile != nil {
		t.Fatalf("%s: profile %q stored, %q plain; want one and none", stored.ExternalID, stored.Profile, plain.Profile)
	}
	if got, want := answer.AppendProfile(nil, &stored, nil), answer.AppendProfile(nil, &plain, nil); string(got) != string(want) {
		t.Errorf("%s: the stored profile answers\n%s\nrendered, it is\n%s", stored.ExternalID, got, want)
	}
}

// exported reads every customer of db, in external id order.
func exported(t *testing.T, db *sqlite.DB) []store.Customer {
	t.Helper()
	var out []store.Customer
	for c, err := range db.Export(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// manyTransactions is a seed line of a customer with n transactions, each a day older than the
// one before.
func manyTransactions(id string, n int) string {
	var txs []string
	for i := range n {
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -i).Format(time.RFC3339)
		txs = append(txs, fmt.Sprintf(`{"type":"ORDER","orderNumber":"%s-%d","createdAt":"%s"}`, id, i, at))
	}
	return fmt.Sprintf(`{"externalCustomerId":%q,"name":"Many Orders","transactions":[%s]}`, id, strings.Join(txs, ",")) + "\n"
}

// TestChunkBoundaries: a detailed lookup's newest n transactions, whatever n is against the
// chunks they are stored in, are the memory store's.
func TestChunkBoundaries(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	mem := memory.New(testNorm)
	for _, s := range []store.Loader{db, mem} {
		if _, err := s.Load(ctx, seedfile.Read(strings.NewReader(manyTransactions("M-1", 150)+manyTransactions("M-2", 64)), "many.jsonl"), store.LoadOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"M-1", "M-2"} {
		for _, n := range []int{0, 1, 63, 64, 65, 128, 129, 150, 151, 1000} {
			got, err := db.Customer(ctx, id, n)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := mem.Customer(ctx, id, n)
			if g, w := wires(got.Transactions), wires(want.Transactions); g != w {
				t.Errorf("%s, newest %d: %d transactions, want %d:\n%s\nwant\n%s", id, n, len(got.Transactions), len(want.Transactions), g, w)
			}
		}
	}
}

// wires is transactions' wire forms, one a line.
func wires(txs []transactions.Transaction) string {
	var b strings.Builder
	for _, tx := range txs {
		b.Write(tx.Wire())
		b.WriteByte('\n')
	}
	return b.String()
}

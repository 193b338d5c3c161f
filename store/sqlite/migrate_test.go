package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite"
)

// TestMigrationToRowidTransactions: a store written before migration 3, its transactions keyed
// (customer_id, seq) WITHOUT ROWID, answers exactly as before once migrated.
func TestMigrationToRowidTransactions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	current := openAt(t, filepath.Join(dir, "current.db"))
	seed, err := os.Open("../../testdata/seed/demo.json")
	if err != nil {
		t.Fatal(err)
	}
	defer seed.Close()
	if _, err := current.Load(ctx, store.ReadSeed(seed, "demo.json"), store.LoadOptions{}); err != nil {
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
	if withTransactions < 10 || most <= 2 {
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
		"INSERT INTO customers SELECT * FROM cur.customers",
		"INSERT INTO customer_emails SELECT * FROM cur.customer_emails",
		"INSERT INTO customer_phones SELECT * FROM cur.customer_phones",
		"INSERT INTO customer_name_words SELECT * FROM cur.customer_name_words",
		"INSERT INTO customer_attributes SELECT * FROM cur.customer_attributes",
		"INSERT INTO transaction_identifiers SELECT * FROM cur.transaction_identifiers",
		"INSERT INTO transactions (customer_id, seq, type, sort_time, wire) SELECT id >> 24, id & 16777215, type, sort_time, wire FROM cur.transactions",
		"DETACH DATABASE cur")
	for _, s := range steps {
		if _, err := old.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
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
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after the migration the store exports\n%+v\nwant\n%+v", got, want)
	}
	for _, c := range want {
		a, errA := current.Customer(ctx, c.ExternalID, 2)
		b, errB := migrated.Customer(ctx, c.ExternalID, 2)
		if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
			t.Errorf("%s, newest 2: %+v (%v) after the migration, want %+v (%v)", c.ExternalID, b, errB, a, errA)
		}
	}
	schema := column(t, readOnly(t, oldPath), "SELECT sql FROM sqlite_master WHERE name = 'transactions'")
	if len(schema) != 1 || !strings.Contains(schema[0], "id        INTEGER PRIMARY KEY") {
		t.Errorf("transactions after the migration: %q", schema)
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

package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/scalar"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite/sqlitetest"
)

// generated yields n good customers; then, with fail, an error; at record at it calls during.
func generated(n int, fail bool, at int, during func()) store.Records {
	return func(yield func(store.Record, error) bool) {
		for i := range n {
			if i == at && during != nil {
				during()
			}
			c := store.Customer{ExternalID: fmt.Sprintf("G-%d", i), Name: fmt.Sprintf("Gen %d", i), Emails: []string{fmt.Sprintf("g%d@example.com", i)}}
			if !yield(store.Record{Customer: c, Place: fmt.Sprintf("g.jsonl:%d", i+1)}, nil) {
				return
			}
		}
		if fail {
			yield(store.Record{}, errors.New("g.jsonl: a bad record"))
		}
	}
}

// readOnly opens path read-only on a pool of its own; the caller closes it, since an open
// connection keeps a load from leaving the WAL.
func readOnly(t *testing.T, path string) *sql.DB {
	t.Helper()
	c, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// column reads the one column a query selects, row by row, as strings (bytes as they are).
func column(t *testing.T, c *sql.DB, query string) []string {
	t.Helper()
	rows, err := c.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// journalMode reads the file's journal mode from a connection of its own.
func journalMode(t *testing.T, path string) string {
	t.Helper()
	c := readOnly(t, path)
	defer c.Close()
	var mode string
	if err := c.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	return mode
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// TestLoadIntoEmptyStoreSkipsTheWAL: a load into a store with no customer is written through a
// rollback journal, not the WAL, and the file is back in WAL mode afterwards; a later load uses
// the WAL again.
func TestLoadIntoEmptyStoreSkipsTheWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "first.db")
	db := openAt(t, path)
	ctx := context.Background()
	var journal, wal bool
	look := func() { journal, wal = exists(path+"-journal"), exists(path+"-wal") }
	if _, err := db.Load(ctx, generated(20000, false, 15000, look), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if !journal || wal {
		t.Errorf("during the first load: journal file %v, WAL file %v; want a journal and no WAL", journal, wal)
	}
	if mode := journalMode(t, path); mode != "wal" {
		t.Errorf("after the first load the journal mode is %q, want wal", mode)
	}
	if _, err := db.Customer(ctx, "G-19999", 50); err != nil {
		t.Fatalf("the last customer: %v", err)
	}
	if _, err := db.Load(ctx, generated(20000, false, 15000, look), store.LoadOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	if journal || !wal {
		t.Errorf("during a later load: journal file %v, WAL file %v; want the WAL", journal, wal)
	}
}

// TestFailedFirstLoadWritesNothing: a load into an empty store that fails leaves it empty and
// in WAL mode, and the next load works.
func TestFailedFirstLoadWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "failed.db")
	db := openAt(t, path)
	ctx := context.Background()
	if _, err := db.Load(ctx, generated(5000, true, -1, nil), store.LoadOptions{}); err == nil {
		t.Fatal("a load with a bad record succeeded")
	}
	if _, err := db.Customer(ctx, "G-1", 50); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after a failed load, G-1: %v; want not found", err)
	}
	if mode := journalMode(t, path); mode != "wal" {
		t.Errorf("after a failed load the journal mode is %q, want wal", mode)
	}
	if _, err := db.Load(ctx, generated(10, false, -1, nil), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestFirstLoadWithTheFileOpenElsewhere: when another handle has the file open, the load into
// the empty store keeps the WAL, and the other handle sees its customers.
func TestFirstLoadWithTheFileOpenElsewhere(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	db := openAt(t, path)
	ctx := context.Background()
	other := sqlitetest.Existing(t, path, testNorm)
	if _, err := other.Customer(ctx, "G-1", 50); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before the load: %v", err)
	}
	var journal, wal bool
	look := func() { journal, wal = exists(path+"-journal"), exists(path+"-wal") }
	if _, err := db.Load(ctx, generated(20000, false, 15000, look), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if journal || !wal {
		t.Errorf("during the load: journal file %v, WAL file %v; want the WAL", journal, wal)
	}
	if _, err := other.Customer(ctx, "G-99", 50); err != nil {
		t.Errorf("the other handle after the load: %v", err)
	}
}

// TestCrashDuringFirstLoad kills a process in the middle of a load into an empty store: the
// next open rolls the journal back, and the store is whole and empty.
func TestCrashDuringFirstLoad(t *testing.T) {
	if path := os.Getenv("LOOKUP_CRASH_DB"); path != "" { // the process that crashes
		db := openAt(t, path)
		_, _ = db.Load(context.Background(), generated(20000, false, 15000, func() { os.Exit(3) }), store.LoadOptions{})
		t.Fatal("the load finished")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDuringFirstLoad$")
	cmd.Env = append(os.Environ(), "LOOKUP_CRASH_DB="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("the crashing process: %v\n%s", err, out)
	}
	if !exists(path + "-journal") {
		t.Fatal("no journal left behind by the crash")
	}
	ctx := context.Background()
	db := sqlitetest.Existing(t, path, testNorm)
	if _, err := db.Customer(ctx, "G-1", 50); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after the crash, G-1: %v; want not found", err)
	}
	c := readOnly(t, path)
	defer c.Close()
	var check string
	if err := c.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q, %v", check, err)
	}
	if _, err := db.Load(ctx, generated(10, false, -1, nil), store.LoadOptions{}); err != nil {
		t.Fatalf("a load after the crash: %v", err)
	}
}

// schema lists the file's tables and indexes as SQLite stores their definitions.
func schema(t *testing.T, path string) []string {
	t.Helper()
	c := readOnly(t, path)
	defer c.Close()
	return column(t, c, "SELECT type || ' ' || name || ' ON ' || tbl_name || ': ' || COALESCE(sql, '') FROM sqlite_master ORDER BY name")
}

// TestFirstLoadKeepsTheSchema: the indexes a load into an empty store drops while it moves the
// staged keys in are all there again afterwards, as the migrations define them, and the keys
// are found both ways (by value in a search, by customer when one is deleted).
func TestFirstLoadKeepsTheSchema(t *testing.T) {
	dir := t.TempDir()
	openAt(t, filepath.Join(dir, "migrated.db"))
	path := filepath.Join(dir, "loaded.db")
	db := openAt(t, path)
	ctx := context.Background()
	if _, err := db.Load(ctx, generated(3000, false, -1, nil), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	want, got := schema(t, filepath.Join(dir, "migrated.db")), schema(t, path)
	if !slices.Equal(got, want) {
		t.Errorf("schema after the first load:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	found, err := db.Search(ctx, store.Search{Email: "g2999@example.com", NameWords: []string{"gen"}, Limit: 25})
	if err != nil || len(found) != 1 || found[0].ExternalID != "G-2999" {
		t.Fatalf("search after the first load: %v, %v", found, err)
	}
	if _, err := db.Load(ctx, seedfile.Read(strings.NewReader(`{"externalCustomerId":"G-2999","deleted":true}`), "d.jsonl"), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	c := readOnly(t, path)
	defer c.Close()
	var left int
	if err := c.QueryRow("SELECT (SELECT count(*) FROM customer_emails WHERE email = 'g2999@example.com') + (SELECT count(*) FROM customer_name_words WHERE customer_id NOT IN (SELECT id FROM customers))").Scan(&left); err != nil || left != 0 {
		t.Errorf("rows of the deleted customer left: %d, %v", left, err)
	}
}

// TestFirstLoadKeepsKeysAsTheyAre: a key that is not valid UTF-8 (a Go caller can load an
// attribute named so) is stored byte for byte in a load into an empty store too, where keys
// are staged as JSON.
func TestFirstLoadKeepsKeysAsTheyAre(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.db")
	db := openAt(t, path)
	raw := "odd\xffname"
	records := func(yield func(store.Record, error) bool) {
		attrs := map[string]scalar.Scalar{raw: scalar.String("x")}
		if yield(store.Record{Customer: store.Customer{ExternalID: "R-1", CustomAttributes: attrs}, Place: "r:1"}, nil) {
			attrs := map[string]scalar.Scalar{"plain": scalar.String("y")}
			yield(store.Record{Customer: store.Customer{ExternalID: "R-2", CustomAttributes: attrs}, Place: "r:2"}, nil)
		}
	}
	if _, err := db.Load(context.Background(), records, store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	c := readOnly(t, path)
	defer c.Close()
	got := column(t, c, "SELECT CAST(name AS BLOB) FROM customer_attributes ORDER BY name")
	if want := []string{raw, "plain"}; !slices.Equal(got, want) {
		t.Errorf("stored attribute names %q, want %q", got, want)
	}
}

package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite/sqlitetest"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlshared"
	"github.com/lookup-adaptor/lookup-adaptor/store/storetest"
)

// open creates a migrated database in a temporary directory, closed when the test ends.
func open(t *testing.T) *sqlite.DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "test.db"))
}

// testNorm is the normaliser the tests' stores use.
var testNorm = func() *store.Normalizer {
	n, err := phone.NewNormalizer("US")
	if err != nil {
		panic(err)
	}
	return n
}()

// openAt creates a migrated database at path, closed when the test ends.
func openAt(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	return sqlitetest.Open(t, path, testNorm)
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Loaded(func(t *testing.T, _ *store.Normalizer) store.Store { return open(t) }))
}

func TestOpenMissingDatabase(t *testing.T) {
	norm, _ := phone.NewNormalizer("US")
	path := filepath.Join(t.TempDir(), "missing.db")
	_, err := sqlite.Open(context.Background(), sqlite.Options{DSN: path, Normalizer: norm})
	if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), "migrate") {
		t.Fatalf("opening a missing database without Create: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Error("Open without Create made the file")
	}
	// A file: URI works too, and Create makes the directory.
	uri := "file:" + filepath.Join(t.TempDir(), "sub", "new.db") + "?cache=private"
	db, err := sqlite.Open(context.Background(), sqlite.Options{DSN: uri, Normalizer: norm, Create: true})
	if err != nil {
		t.Fatalf("file: URI with Create: %v", err)
	}
	db.Close()
}

func TestMigrateIsIdempotent(t *testing.T) {
	db := open(t)
	n, err := db.Migrate(context.Background())
	if err != nil || n != 0 {
		t.Errorf("second Migrate applied %d, %v; want 0", n, err)
	}
	if err := db.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// TestManyCandidates checks that lookups matching more customers than are fetched by id
// (maxCandidates) order and cap exactly as the few-candidate path does.
func TestManyCandidates(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	var seed strings.Builder
	for i := 700; i > 0; i-- { // written in reverse so insertion order is not the answer order
		fmt.Fprintf(&seed, `{"externalCustomerId":"M-%04d","name":"Mass Mailer","emails":["shared@example.com"],"customAttributes":{"tier":"gold"}}`+"\n", i)
	}
	seed.WriteString(`{"externalCustomerId":"Z-1","name":"Zed","emails":["shared@example.com"],"phones":["+1 415 555 0100"]}` + "\n")
	if _, err := db.Load(ctx, seedfile.Read(strings.NewReader(seed.String()), "many.jsonl"), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "Z-1 M-0001 M-0002"
	cs, err := db.Link(ctx, store.Link{Emails: []string{"shared@example.com"}, Phones: []string{"+14155550100"}, Limit: 3})
	if got := ids(cs); err != nil || got != want {
		t.Errorf("link with 701 candidates = %q, %v; want %q", got, err, want)
	}
	cs, err = db.Search(ctx, store.Search{Attributes: map[string]string{"tier": "GOLD"}, NameWords: []string{"mass"}, Limit: 3})
	if got := ids(cs); err != nil || got != "M-0001 M-0002 M-0003" {
		t.Errorf("search with 700 candidates = %q, %v", got, err)
	}
	cs, err = db.Search(ctx, store.Search{Email: "shared@example.com", Phone: "+14155550100", Limit: 3})
	if got := ids(cs); err != nil || got != "Z-1" {
		t.Errorf("search narrowed by a second field = %q, %v", got, err)
	}
}

func ids(cs []store.Customer) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ExternalID)
	}
	return strings.Join(out, " ")
}

// A deleted customer's data is overwritten in the database file and gone from its WAL, since
// seeds carry personal data; so is the old version of a changed one.
func TestDeletedCustomerIsErased(t *testing.T) {
	path := filepath.Join(t.TempDir(), "erase.db")
	db := openAt(t, path)
	ctx := context.Background()
	secrets := []string{"erase-me-7f3a@example.com", "Zebulon Quuxworth", "+14155550777", "SECRET-ORDER-991", "old-mail-5c2e@example.com"}
	seed := `{"externalCustomerId":"C-ERASE","name":"Zebulon Quuxworth","emails":["erase-me-7f3a@example.com"],"phones":["+1 415 555 0777"],"transactions":[{"type":"ORDER","orderNumber":"SECRET-ORDER-991"}]}
{"externalCustomerId":"C-KEEP","name":"Kept Person","emails":["old-mail-5c2e@example.com"]}
`
	if _, err := db.Load(ctx, seedfile.Read(strings.NewReader(seed), "e.jsonl"), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	fileHolds := func(s string) bool {
		for _, p := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(p)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
			if strings.Contains(string(b), s) {
				return true
			}
		}
		return false
	}
	if !fileHolds("Zebulon Quuxworth") {
		t.Fatal("the test cannot see loaded data in the files at all")
	}
	change := `{"externalCustomerId":"C-ERASE","deleted":true}
{"externalCustomerId":"C-KEEP","name":"Kept Person","emails":["new-mail@example.com"]}
`
	stats, err := db.Load(ctx, seedfile.Read(strings.NewReader(change), "d.jsonl"), store.LoadOptions{})
	if err != nil || stats.Deleted != 1 || stats.Changed != 1 {
		t.Fatalf("delete: %+v %v", stats, err)
	}
	for _, s := range secrets {
		if fileHolds(s) {
			t.Errorf("%q is still in the database file or its WAL after the delete", s)
		}
	}
}

func TestCloseTwice(t *testing.T) {
	db := open(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Abandon(); err != nil {
		t.Fatalf("Abandon after Close: %v", err)
	}
}

// A customer named twice is reported as such — with both places — whether the store was empty
// (no record is looked up) or not, and whatever the two records hold.
func TestDuplicatesAreNamed(t *testing.T) {
	dup := `{"externalCustomerId":"D-1","transactions":[{"type":"ORDER","orderNumber":"1"}]}
{"externalCustomerId":"D-2"}
{"externalCustomerId":"D-1","name":"Other","transactions":[{"type":"ORDER","orderNumber":"2"}]}
`
	for _, seeded := range []bool{false, true} {
		db := open(t)
		ctx := context.Background()
		if seeded {
			if _, err := db.Load(ctx, seedfile.Read(strings.NewReader(`{"externalCustomerId":"D-1"}`), "first.jsonl"), store.LoadOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := db.Load(ctx, seedfile.Read(strings.NewReader(dup), "dup.jsonl"), store.LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), `dup.jsonl:3: externalCustomerId "D-1" appears again (first at dup.jsonl:1)`) {
			t.Errorf("seeded %v: %v", seeded, err)
		}
		if _, err := db.Customer(ctx, "D-2", 50); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("seeded %v: the failed load wrote D-2 (%v)", seeded, err)
		}
	}
}

// TestNewerSchemaIsRefused: a store a later lookup-adaptor migrated is not opened for use by
// this one, which would misread it; the error names both versions.
func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newer.db")
	openAt(t, path).Close()
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("INSERT INTO schema_migrations (version) VALUES (999)"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = sqlitetest.Existing(t, path, testNorm).Migrate(context.Background())
	if !errors.Is(err, sqlshared.ErrNewerSchema) || !strings.Contains(err.Error(), "version 999") {
		t.Errorf("Migrate of a store at version 999: %v", err)
	}
}

// The store holds personal data: the file it creates, its -wal and -shm, and the directory it
// makes are its owner's alone, even under a umask that would share them.
func TestCreatedFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "private.db")
	db := openAt(t, path)
	if _, err := db.Load(context.Background(), seedfile.Read(strings.NewReader(`{"externalCustomerId":"C-1","name":"Ada"}`), "p.jsonl"), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600}
	for name, mode := range want {
		fi, err := os.Stat(name)
		if errors.Is(err, os.ErrNotExist) && name != dir && name != path {
			continue // SQLite removes them when the last connection closes
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %v, want %v", filepath.Base(name), got, mode)
		}
	}
}

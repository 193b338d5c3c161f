package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite"
	"github.com/lookup-adaptor/lookup-adaptor/store/storetest"
)

// open creates a migrated database in a temporary directory, closed when the test ends.
func open(t *testing.T) *sqlite.DB {
	t.Helper()
	norm, err := store.NewNormalizer("US")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, sqlite.Options{DSN: filepath.Join(t.TempDir(), "test.db"), Normalizer: norm, Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend { return open(t) })
}

func TestOpenMissingDatabase(t *testing.T) {
	norm, _ := store.NewNormalizer("US")
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
	if _, err := db.Load(ctx, store.ReadSeed(strings.NewReader(seed.String()), "many.jsonl")); err != nil {
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

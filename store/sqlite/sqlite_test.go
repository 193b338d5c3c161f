package sqlite_test

import (
	"context"
	"errors"
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

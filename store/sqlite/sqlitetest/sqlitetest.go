// Package sqlitetest gives tests SQLite stores of their own, closed when the test ends.
package sqlitetest

import (
	"context"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite"
)

// Open creates a store at path (a new file) and migrates it.
func Open(t testing.TB, path string, norm *store.Normalizer) *sqlite.DB {
	t.Helper()
	db := open(t, sqlite.Options{DSN: path, Normalizer: norm, Create: true})
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// Existing opens the file at path as it is, without migrating it.
func Existing(t testing.TB, path string, norm *store.Normalizer) *sqlite.DB {
	t.Helper()
	return open(t, sqlite.Options{DSN: path, Normalizer: norm})
}

func open(t testing.TB, opts sqlite.Options) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/store/postgres"
	"github.com/lookup-adaptor/lookup-adaptor/store/postgres/pgtest"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlshared"
	"github.com/lookup-adaptor/lookup-adaptor/store/storetest"
)

var norm = func() *store.Normalizer {
	n, err := phone.NewNormalizer("US")
	if err != nil {
		panic(err)
	}
	return n
}()

// open returns a migrated store in a schema of the test's own.
func open(t *testing.T) *postgres.DB {
	t.Helper()
	return openAt(t, pgtest.Schema(t))
}

// openAt returns the store at dsn, migrated.
func openAt(t *testing.T, dsn string) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Options{DSN: dsn, Normalizer: norm})
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
	storetest.Run(t, storetest.Loaded(func(t *testing.T, _ *store.Normalizer) store.Store { return open(t) }))
}

// Replicas start together and migrate at once: each finds the schema done, none fails.
func TestConcurrentMigrate(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := postgres.Open(ctx, postgres.Options{DSN: dsn, Normalizer: norm})
			if err == nil {
				_, err = db.Migrate(ctx)
				db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("a replica's migrate: %v", err)
		}
	}
}

// TestNewerSchemaIsRefused: a schema a later lookup-adaptor migrated is not used by this one,
// which would misread it; the error names both versions.
func TestNewerSchemaIsRefused(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Options{DSN: dsn, Normalizer: norm})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("INSERT INTO schema_migrations (version) VALUES (999)"); err != nil {
		t.Fatal(err)
	}
	_, err = db.Migrate(ctx)
	if !errors.Is(err, sqlshared.ErrNewerSchema) || !strings.Contains(err.Error(), "version 999") {
		t.Errorf("Migrate of a schema at version 999: %v", err)
	}
}

// A role that may only read serves a migrated schema (Migrate does no DDL then), and is told
// to run migrate as the owner when the schema needs it.
func TestReadOnlyRole(t *testing.T) {
	ctx := context.Background()
	owner := pgtest.Schema(t)
	reader := pgtest.Role(t, owner)
	pgtest.GrantRead(t, owner, reader) // the schema: usage only, no tables yet
	db, err := postgres.Open(ctx, postgres.Options{DSN: reader, Normalizer: norm})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "run lookup-adaptor migrate as the role that owns the schema") {
		t.Errorf("a read-only role on an empty schema: %v", err)
	}
	st := openAt(t, owner)
	one := func(yield func(store.Record, error) bool) {
		yield(store.Record{Customer: store.Customer{ExternalID: "C-1", Name: "Ada"}}, nil)
	}
	if _, err := st.Load(ctx, one, store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	pgtest.GrantRead(t, owner, reader) // and now its tables
	if n, err := db.Migrate(ctx); n != 0 || err != nil {
		t.Fatalf("a read-only role on a migrated schema: %d steps, %v", n, err)
	}
	if c, err := db.Customer(ctx, "C-1", 10); err != nil || c.Name != "Ada" {
		t.Errorf("the read-only role's lookup: %+v, %v", c, err)
	}
}

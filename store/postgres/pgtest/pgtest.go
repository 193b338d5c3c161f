// Package pgtest gives tests a PostgreSQL schema of their own on the server that
// LOOKUP_ADAPTOR_TEST_POSTGRES names (a connection string). Without it a test is skipped —
// except under CI=true, where a missing database fails the run rather than passing it quietly.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lookup-adaptor/lookup-adaptor/internal/component"
)

// EnvDSN is the environment variable holding the test server's connection string.
const EnvDSN = "LOOKUP_ADAPTOR_TEST_POSTGRES"

// ServerDSN returns the test server's connection string, skipping (or, under CI, failing) the
// test when there is none.
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		component.Missing(t, "the PostgreSQL tests", EnvDSN+" is not set (.ci/postgres.sh starts a throw-away server)")
	}
	return dsn
}

// Schema creates an empty schema for the test, dropped when it ends, and returns a connection
// string whose search_path is that schema.
func Schema(t testing.TB) string {
	t.Helper()
	dsn := ServerDSN(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "test_" + hex.EncodeToString(b)
	admin, err := sqlx.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+name+" CASCADE")
		admin.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvDSN, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// Role creates a login role for the test, dropped when it ends, and returns dsn (a connection
// string of Schema's) as that role. The role may connect and nothing more until GrantRead.
// The test server trusts loopback connections, so the role needs no password.
func Role(t testing.TB, dsn string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "role_" + hex.EncodeToString(b)
	admin, err := sqlx.Open("pgx", ServerDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE ROLE " + name + " LOGIN"); err != nil {
		admin.Close()
		t.Fatalf("create role: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP OWNED BY " + name)
		_, _ = admin.Exec("DROP ROLE " + name)
		admin.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(name)
	return u.String()
}

// GrantRead lets the role of roleDSN (Role's) read the tables of the schema of ownerDSN
// (Schema's): what a read-only serving role is granted (docs/operations.md).
func GrantRead(t testing.TB, ownerDSN, roleDSN string) {
	t.Helper()
	o, err := url.Parse(ownerDSN)
	if err != nil {
		t.Fatal(err)
	}
	r, err := url.Parse(roleDSN)
	if err != nil {
		t.Fatal(err)
	}
	schema, role := o.Query().Get("search_path"), r.User.Username()
	db, err := sqlx.Open("pgx", ownerDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{"GRANT USAGE ON SCHEMA " + schema + " TO " + role, "GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + role} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

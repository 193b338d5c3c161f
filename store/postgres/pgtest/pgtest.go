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
)

// EnvDSN is the environment variable holding the test server's connection string.
const EnvDSN = "LOOKUP_ADAPTOR_TEST_POSTGRES"

// ServerDSN returns the test server's connection string, skipping (or, under CI, failing) the
// test when there is none.
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL tests (.ci/run starts a server)", EnvDSN)
		}
		t.Skipf("%s is not set; see .ci/postgres.sh to start a throw-away server", EnvDSN)
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

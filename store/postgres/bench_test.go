package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store/postgres"
	"github.com/lookup-adaptor/lookup-adaptor/store/storetest"
)

// BenchmarkSpread runs the lookups the load benchmark sends over 1,000 customers spread evenly
// across the database LOOKUP_BENCH_PG names (a connection string), seeded with
//
//	lookup-adaptor generate --customers 1000000 --transactions 20 > big.jsonl
//	ADAPTOR_STORE_DRIVER=postgres ADAPTOR_STORE_DSN=… lookup-adaptor seed big.jsonl
//
// and skips when it is not set.
func BenchmarkSpread(b *testing.B) {
	dsn := os.Getenv("LOOKUP_BENCH_PG")
	if dsn == "" {
		b.Skip("set LOOKUP_BENCH_PG to a database seeded with `lookup-adaptor generate` output")
	}
	db, err := postgres.Open(context.Background(), postgres.Options{DSN: dsn, Normalizer: norm})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.Spread(b, db)
}

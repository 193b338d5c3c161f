package sqlite_test

import (
	"context"
	"os"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite/sqlitetest"
	"github.com/lookup-adaptor/lookup-adaptor/store/storetest"
)

// benchDB opens the database named by LOOKUP_BENCH_DB, built with
//
//	lookup-adaptor generate --customers 1000000 --transactions 20 > big.jsonl
//	ADAPTOR_STORE_DSN=big.db lookup-adaptor seed big.jsonl
//
// and skips the benchmark when it is not set.
func benchDB(b *testing.B) *sqlite.DB {
	path := os.Getenv("LOOKUP_BENCH_DB")
	if path == "" {
		b.Skip("set LOOKUP_BENCH_DB to a database seeded with `lookup-adaptor generate` output")
	}
	return sqlitetest.Existing(b, path, testNorm)
}

// BenchmarkQueries runs each query shape against generated customer C-500000 (whose email,
// phone and first order number follow from its index, see `generate --help`).
func BenchmarkQueries(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	c, err := db.Customer(ctx, "C-500000", 50)
	if err != nil {
		b.Fatal(err)
	}
	email, phone := store.NormalizeEmail(c.Emails[0]), c.Phones[0].E164
	shapes := []struct {
		name string
		run  func() (int, error)
	}{
		{"link_email", func() (int, error) {
			cs, err := db.Link(ctx, store.Link{Emails: []string{email}, Limit: 25})
			return len(cs), err
		}},
		{"link_email_phone", func() (int, error) {
			cs, err := db.Link(ctx, store.Link{Emails: []string{email}, Phones: []string{phone}, Limit: 25})
			return len(cs), err
		}},
		{"search_email", func() (int, error) {
			cs, err := db.Search(ctx, store.Search{Email: email, Limit: 25})
			return len(cs), err
		}},
		{"search_phone", func() (int, error) {
			cs, err := db.Search(ctx, store.Search{Phone: phone, Limit: 25})
			return len(cs), err
		}},
		{"search_order_number", func() (int, error) {
			cs, err := db.Search(ctx, store.Search{Identifiers: map[string]string{"orderNumber": "500000000"}, Limit: 25})
			return len(cs), err
		}},
		{"search_name_and_email", func() (int, error) {
			cs, err := db.Search(ctx, store.Search{NameWords: store.NameWords(c.Name), Email: email, Limit: 25})
			return len(cs), err
		}},
		{"customer_with_transactions", func() (int, error) { c, err := db.Customer(ctx, "C-500000", 50); return len(c.Transactions), err }},
	}
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				if n, err := s.run(); err != nil || n == 0 {
					b.Fatalf("%d results, %v", n, err)
				}
			}
		})
	}
}

// BenchmarkSpread runs the lookups the load benchmark sends over 1,000 customers spread evenly
// across the generated store (storetest.Spread).
func BenchmarkSpread(b *testing.B) { storetest.Spread(b, benchDB(b)) }

package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// Spread benchmarks the lookups the load benchmark sends — an auto-link by email and phone, a
// search by email, a detailed lookup — over 1,000 customers spread evenly across a store
// seeded with `lookup-adaptor generate --customers 1000000`, so that the pages each one reads
// are rarely in a cache: one goroutine, then in parallel.
func Spread(b *testing.B, st store.Store) {
	ctx := context.Background()
	const n = 1000
	var cs []store.Customer
	for i := range n {
		c, err := st.Customer(ctx, fmt.Sprintf("C-%d", 1+i*(1000000/n)), 50)
		if err != nil {
			b.Fatal(err)
		}
		cs = append(cs, c)
	}
	shapes := []struct {
		name string
		run  func(c store.Customer) (int, error)
	}{
		{"autolink", func(c store.Customer) (int, error) {
			r, err := st.Link(ctx, store.Link{Emails: []string{store.NormalizeEmail(c.Emails[0])}, Phones: []string{c.Phones[0].E164}, Limit: 25})
			return len(r), err
		}},
		{"search", func(c store.Customer) (int, error) {
			r, err := st.Search(ctx, store.Search{Email: store.NormalizeEmail(c.Emails[0]), Limit: 25})
			return len(r), err
		}},
		{"detailed", func(c store.Customer) (int, error) {
			r, err := st.Customer(ctx, c.ExternalID, 50)
			return len(r.Transactions) + 1, err
		}},
	}
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if k, err := s.run(cs[i%n]); err != nil || k == 0 {
					b.Fatalf("%d results, %v", k, err)
				}
				i++
			}
		})
		b.Run(s.name+"_parallel", func(b *testing.B) {
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if k, err := s.run(cs[next.Add(1)%n]); err != nil || k == 0 {
						b.Errorf("%d results, %v", k, err)
						return
					}
				}
			})
		})
	}
}

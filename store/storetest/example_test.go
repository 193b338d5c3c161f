package storetest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/storetest"
)

// A backend that can be loaded hands the suite an empty store built with the normaliser it is
// given; the suite loads the fixture into it. This is the whole conformance test of such a
// backend, in a _test.go file beside it.
func ExampleLoaded() {
	conformance := func(t *testing.T) {
		storetest.Run(t, storetest.Loaded(func(_ *testing.T, norm *store.Normalizer) store.Store {
			return memory.New(norm)
		}))
	}
	_ = conformance // func TestConformance(t *testing.T) { … } in a real test file
}

// A read-only store serves the fixture from its own system of record: FixtureCustomers gives
// the customers to put there. Here the "system of record" is a map.
func ExampleFixtureCustomers() {
	customers, err := storetest.FixtureCustomers()
	if err != nil {
		panic(err)
	}
	byID := map[string]store.Customer{}
	for _, c := range customers {
		byID[c.ExternalID] = c
		fmt.Printf("%s %s, %d transactions\n", c.ExternalID, c.Name, len(c.Transactions))
	}
	fmt.Println("the fixture's phones are", storetest.FixtureRegion, "numbers; newest order:", string(byID["C-1001"].Transactions[1].Wire()))
	// Output:
	// C-1001 Ada Lovelace, 3 transactions
	// C-1002 Ada Byron, 0 transactions
	// C-1003 Charles Babbage, 1 transactions
	// C-1004 Ada Lovelace, 0 transactions
	// C-0999 Grace Hopper, 0 transactions
	// the fixture's phones are US numbers; newest order: {"createdAt":"2026-10-03T12:00:00Z","orderNumber":"1002","type":"ORDER"}
}

// readOnly is a store the suite cannot load: only the lookups run against it.
type readOnly struct{ store.Store }

// The Open of a read-only backend builds its store over FixtureCustomers with the normaliser
// the suite hands it. Here a memory store stands in for the system of record.
func ExampleRun() {
	open := func(t *testing.T, norm *store.Normalizer) store.Store {
		m := memory.New(norm)
		customers, err := storetest.FixtureCustomers()
		if err != nil {
			t.Fatal(err)
		}
		records := func(yield func(store.Record, error) bool) {
			for _, c := range customers {
				if !yield(store.Record{Customer: c, Place: c.ExternalID}, nil) {
					return
				}
			}
		}
		if _, err := m.Load(context.Background(), records, store.LoadOptions{}); err != nil {
			t.Fatal(err)
		}
		return readOnly{m}
	}
	conformance := func(t *testing.T) { storetest.Run(t, open) }
	_ = conformance // func TestConformance(t *testing.T) { storetest.Run(t, open) } in a real test file
}

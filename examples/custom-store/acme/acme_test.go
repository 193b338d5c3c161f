package acme_test

import (
	"context"
	"strings"
	"testing"

	"example.com/acme-adaptor/acme"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/store/storetest"
)

// The store passes lookup-adaptor's conformance suite: built over the suite's fixture with the
// normaliser the suite hands it (the loading and export tests are skipped: it is read-only).
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, norm *store.Normalizer) store.Store {
		customers, err := storetest.FixtureCustomers()
		if err != nil {
			t.Fatal(err)
		}
		s, err := acme.New(customers, norm)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// The export's own field names arrive where Gladly expects them.
func TestOpenMapsTheExport(t *testing.T) {
	norm, err := phone.NewNormalizer("US")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := acme.Open(ctx, store.OpenOptions{DSN: "testdata/export.json", Normalizer: norm,
		Options: map[string]any{"orders_url": "https://shop.acme.example/orders/"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.Customer(ctx, "4711", 50)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Ada Lovelace" || c.Address != "12 Analytical Way, London" || c.CustomAttributes["tier"].String() != "gold" ||
		len(c.Phones) != 2 || c.Phones[0].E164 != "+14155550123" || c.Phones[1].Type != store.Home {
		t.Errorf("account 4711 = %+v", c)
	}
	if len(c.Transactions) != 2 || !strings.Contains(string(c.Transactions[0].Wire()), `"orderNumber":"A-1002"`) ||
		!strings.Contains(string(c.Transactions[1].Wire()), `"customerOrderUrl":"https://shop.acme.example/orders/A-1001"`) {
		t.Errorf("purchases, newest first: %v", c.Transactions)
	}
	found, err := st.Link(ctx, store.Link{Emails: []string{"ada@example.com"}, Limit: 25})
	if err != nil || len(found) != 1 || found[0].ExternalID != "4711" || len(found[0].Transactions) != 0 {
		t.Errorf("link by a mail address in another case: %+v, %v", found, err)
	}
}

// Settings it does not know, and a missing export, are errors that say so.
func TestOpenRefusesMistakes(t *testing.T) {
	norm, _ := phone.NewNormalizer("US")
	for _, tc := range []struct {
		o    store.OpenOptions
		want string
	}{
		{store.OpenOptions{DSN: "testdata/export.json", Options: map[string]any{"page_size": 10}}, "takes orders_url only, not page_size"},
		{store.OpenOptions{DSN: "testdata/export.json", Options: map[string]any{"orders_url": "shop"}}, "want an http(s) URL"},
		{store.OpenOptions{DSN: "testdata/missing.json"}, "store.dsn"},
	} {
		tc.o.Normalizer = norm
		if _, err := acme.Open(context.Background(), tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
}

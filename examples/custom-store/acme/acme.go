// Package acme is a read-only lookup-adaptor store over Acme's nightly JSON export of its CRM:
// Acme's own field names, mapped to store.Customer when the export is read. It answers the
// three lookups from an index in memory and offers none of the optional capabilities, so
// `seed`, `delete`, `export` and `migrate` refuse it: the CRM is the system of record.
package acme

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/scalar"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// Backend is store.driver "acme": store.dsn is the path of the export file. store.options
// takes one setting, orders_url: the shop's order page, to which an order's ref is appended
// for the link agents follow.
var Backend = store.Backend{Name: "acme", Open: Open}

// export is the file Acme's CRM writes.
type export struct {
	Accounts []account `json:"accounts"`
}

// account is one customer, in Acme's words.
type account struct {
	Number      json.Number `json:"account_no"`
	DisplayName string      `json:"display_name"`
	Mail        []string    `json:"mail"`
	Mobile      string      `json:"mobile"`
	Landline    string      `json:"landline"`
	Street      string      `json:"street"`
	Town        string      `json:"town"`
	Loyalty     string      `json:"loyalty"`
	MemberSince string      `json:"member_since"`
	Purchases   []purchase  `json:"purchases"`
}

// purchase is one order.
type purchase struct {
	Ref      string    `json:"ref"`
	Placed   time.Time `json:"placed"`
	State    string    `json:"state"`
	Amount   string    `json:"amount"`
	Currency string    `json:"currency"`
	Items    int       `json:"items"`
}

// Open reads the export at o.DSN and indexes it with o.Normalizer.
func Open(_ context.Context, o store.OpenOptions) (store.Store, error) {
	ordersURL, err := options(o.Options)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(o.DSN)
	if err != nil {
		return nil, fmt.Errorf("acme: store.dsn: %w", err)
	}
	var e export
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("acme: %s: %w", o.DSN, err)
	}
	customers := make([]store.Customer, 0, len(e.Accounts))
	for i, a := range e.Accounts {
		c, err := a.customer(ordersURL)
		if err != nil {
			return nil, fmt.Errorf("acme: %s: accounts[%d]: %w", o.DSN, i, err)
		}
		customers = append(customers, c)
	}
	return New(customers, o.Normalizer)
}

// options reads store.options: only orders_url, an http(s) URL.
func options(opts map[string]any) (ordersURL string, err error) {
	for k, v := range opts {
		if k != "orders_url" {
			return "", fmt.Errorf("store.options: the acme driver takes orders_url only, not %s", k)
		}
		s, _ := v.(string)
		if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "", fmt.Errorf("store.options.orders_url: want an http(s) URL, got %v", v)
		}
		ordersURL = s
	}
	return ordersURL, nil
}

// customer maps an account to the customer Gladly sees.
func (a account) customer(ordersURL string) (store.Customer, error) {
	if a.Number == "" {
		return store.Customer{}, fmt.Errorf("account_no is missing")
	}
	c := store.Customer{ExternalID: a.Number.String(), Name: a.DisplayName, Emails: a.Mail}
	switch {
	case a.Street != "" && a.Town != "":
		c.Address = a.Street + ", " + a.Town
	default:
		c.Address = a.Street + a.Town
	}
	if a.Mobile != "" {
		c.Phones = append(c.Phones, store.Phone{Original: a.Mobile, Type: store.Mobile})
	}
	if a.Landline != "" {
		c.Phones = append(c.Phones, store.Phone{Original: a.Landline, Type: store.Home})
	}
	c.CustomAttributes = map[string]scalar.Scalar{}
	if a.Loyalty != "" {
		c.CustomAttributes["tier"] = scalar.String(a.Loyalty)
	}
	if a.MemberSince != "" {
		c.CustomAttributes["memberSince"] = scalar.String(a.MemberSince)
	}
	for _, p := range a.Purchases {
		order := transactions.OrderTx{OrderNumber: p.Ref, CreatedAt: p.Placed, OrderStatus: p.State,
			OrderTotal: p.Amount, CurrencyCode: p.Currency, ItemCount: p.Items}
		if ordersURL != "" {
			order.CustomerOrderURL = ordersURL + url.PathEscape(p.Ref)
		}
		tx, err := transactions.New(order)
		if err != nil {
			return store.Customer{}, fmt.Errorf("purchase %s: %w", p.Ref, err)
		}
		c.Transactions = append(c.Transactions, tx)
	}
	return c, nil
}

// Store answers lookups from customers held in memory. It is safe for concurrent use: nothing
// changes after New.
type Store struct {
	byID map[string]entry
	ids  []string // sorted, the order Search answers in
}

// entry is a customer and the values it is found by.
type entry struct {
	customer store.Customer
	keys     store.Keys
}

// Compile-time check that Store provides the contract.
var _ store.Store = (*Store)(nil)

// New indexes customers for lookups, normalising their phones with norm (the normaliser the
// server hands Open). Two customers with the same id are an error.
func New(customers []store.Customer, norm *store.Normalizer) (*Store, error) {
	s := &Store{byID: make(map[string]entry, len(customers))}
	for _, c := range customers {
		if _, dup := s.byID[c.ExternalID]; dup {
			return nil, fmt.Errorf("acme: account %s appears twice", c.ExternalID)
		}
		keys := norm.Keys(&c)
		c.Transactions = transactions.Newest(c.Transactions, len(c.Transactions))
		s.byID[c.ExternalID] = entry{customer: c, keys: keys}
		s.ids = append(s.ids, c.ExternalID)
	}
	slices.Sort(s.ids)
	return s, nil
}

// Link implements store.Store.
func (s *Store) Link(ctx context.Context, q store.Link) ([]store.Customer, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("acme: %w", err)
	}
	var both, one []store.Customer
	for _, id := range s.ids {
		e := s.byID[id]
		switch email, phone := e.keys.Links(q); {
		case email && phone:
			both = append(both, summary(e.customer))
		case email || phone:
			one = append(one, summary(e.customer))
		}
	}
	return capped(append(both, one...), q.Limit), nil
}

// Search implements store.Store.
func (s *Store) Search(ctx context.Context, q store.Search) ([]store.Customer, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("acme: %w", err)
	}
	var found []store.Customer
	for _, id := range s.ids {
		if e := s.byID[id]; e.keys.Matches(id, q) {
			found = append(found, summary(e.customer))
		}
	}
	return capped(found, q.Limit), nil
}

// Customer implements store.Store.
func (s *Store) Customer(ctx context.Context, externalID string, maxTransactions int) (store.Customer, error) {
	if err := ctx.Err(); err != nil {
		return store.Customer{}, fmt.Errorf("acme: %w", err)
	}
	e, ok := s.byID[externalID]
	if !ok {
		return store.Customer{}, fmt.Errorf("acme: account %s: %w", strconv.Quote(externalID), store.ErrNotFound)
	}
	c := e.customer
	c.Transactions = c.Transactions[:min(len(c.Transactions), maxTransactions)]
	return c, nil
}

// summary is a customer as BASIC lookups answer it: without transactions.
func summary(c store.Customer) store.Customer {
	c.Transactions = nil
	return c
}

// capped keeps the first limit customers (the server always asks for at least one).
func capped(cs []store.Customer, limit int) []store.Customer {
	return cs[:min(len(cs), limit)]
}

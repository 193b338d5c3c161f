package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// details is the JSON kept in customers.details: what an answer needs besides the columns.
type details struct {
	Emails []string        `json:"e,omitempty"`
	Phones []phone         `json:"p,omitempty"`
	Attrs  map[string]attr `json:"a,omitempty"`
}

type phone struct {
	Original string `json:"o"`
	E164     string `json:"n,omitempty"`
	Type     string `json:"t"`
}

type attr struct {
	Kind  transactions.ScalarKind `json:"k"`
	Value string                  `json:"v"`
}

func encodeDetails(c *store.Customer) (string, error) {
	d := details{Emails: c.Emails}
	for _, p := range c.Phones {
		d.Phones = append(d.Phones, phone{p.Original, p.E164, string(p.Type)})
	}
	if len(c.CustomAttributes) > 0 {
		d.Attrs = make(map[string]attr, len(c.CustomAttributes))
		for k, v := range c.CustomAttributes {
			d.Attrs[k] = attr{v.Kind(), v.String()}
		}
	}
	b, err := json.Marshal(d)
	return string(b), err
}

// row is one customers row as the queries select it.
type row struct {
	ID         int64  `db:"id"`
	ExternalID string `db:"external_id"`
	Name       string `db:"name"`
	Address    string `db:"address"`
	Details    string `db:"details"`
}

func (r row) customer() (store.Customer, error) {
	c := store.Customer{ExternalID: r.ExternalID, Name: r.Name, Address: r.Address}
	var d details
	if err := json.Unmarshal([]byte(r.Details), &d); err != nil {
		return c, fmt.Errorf("customer details: %w", err)
	}
	c.Emails = d.Emails
	for _, p := range d.Phones {
		c.Phones = append(c.Phones, store.Phone{Original: p.Original, E164: p.E164, Type: store.PhoneType(p.Type)})
	}
	if len(d.Attrs) > 0 {
		c.CustomAttributes = make(map[string]transactions.Scalar, len(d.Attrs))
		for k, a := range d.Attrs {
			c.CustomAttributes[k] = transactions.Restore(a.Kind, a.Value)
		}
	}
	return c, nil
}

const customerColumns = "c.id, c.external_id, c.name, c.address, c.details"

// selectCustomers runs a query selecting customerColumns and decodes the rows.
func (db *DB) selectCustomers(ctx context.Context, query string, args ...any) ([]store.Customer, error) {
	var rows []row
	if err := db.r.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, err
	}
	out := make([]store.Customer, 0, len(rows))
	for _, r := range rows {
		c, err := r.customer()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// linkQuery finds customers by any email or phone: both-match first, then by external id.
func linkQuery(q store.Link) (string, []any) {
	var parts []string
	var args []any
	if len(q.Emails) > 0 {
		parts = append(parts, "SELECT customer_id, 1 AS kind FROM customer_emails WHERE email IN ("+placeholders(len(q.Emails))+")")
		args = appendAll(args, q.Emails)
	}
	if len(q.Phones) > 0 {
		parts = append(parts, "SELECT customer_id, 2 AS kind FROM customer_phones WHERE phone IN ("+placeholders(len(q.Phones))+")")
		args = appendAll(args, q.Phones)
	}
	args = append(args, store.EffectiveLimit(q.Limit))
	return `SELECT ` + customerColumns + `
		FROM (SELECT customer_id, COUNT(DISTINCT kind) AS hits FROM (` + strings.Join(parts, " UNION ALL ") + `) GROUP BY customer_id) AS m
		CROSS JOIN customers c ON c.id = m.customer_id
		ORDER BY m.hits DESC, c.external_id
		LIMIT ?`, args
}

// Link implements store.Store.
func (db *DB) Link(ctx context.Context, q store.Link) ([]store.Customer, error) {
	if len(q.Emails) == 0 && len(q.Phones) == 0 {
		return nil, nil
	}
	query, args := linkQuery(q)
	cs, err := db.selectCustomers(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: link: %w", err)
	}
	return cs, nil
}

// searchQuery intersects one index lookup per filled field. The external id, else the first
// exact-match field, else the first name prefix drives the join (CROSS JOIN fixes SQLite's loop
// order); the other exact fields are IN lookups, and the other name prefixes are checked per
// candidate through the (customer_id, word) index, since a prefix can match a large share of
// all customers.
func searchQuery(q store.Search) (string, []any) {
	type cond struct {
		sql  string
		args []any
	}
	var exact []cond
	if q.Email != "" {
		exact = append(exact, cond{"SELECT customer_id FROM customer_emails WHERE email = ?", []any{q.Email}})
	}
	if q.Phone != "" {
		exact = append(exact, cond{"SELECT customer_id FROM customer_phones WHERE phone = ?", []any{q.Phone}})
	}
	for _, f := range sortedKeys(q.Identifiers) {
		exact = append(exact, cond{"SELECT customer_id FROM transaction_identifiers WHERE field = ? AND value = ?", []any{f, q.Identifiers[f]}})
	}
	for _, n := range sortedKeys(q.Attributes) {
		exact = append(exact, cond{"SELECT customer_id FROM customer_attributes WHERE name = ? AND value = ?", []any{n, store.AttributeKey(q.Attributes[n])}})
	}
	words := q.NameWords

	var b strings.Builder
	var args, where []any
	var clauses []string
	b.WriteString("SELECT " + customerColumns + " FROM ")
	switch {
	case q.ExternalID != "":
		b.WriteString("customers c")
		clauses = append(clauses, "c.external_id = ?")
		args = append(args, q.ExternalID)
	case len(exact) > 0:
		b.WriteString("(" + exact[0].sql + ") AS d CROSS JOIN customers c ON c.id = d.customer_id")
		args = append(args, exact[0].args...)
		exact = exact[1:]
	default:
		b.WriteString("(SELECT DISTINCT customer_id FROM customer_name_words WHERE word >= ? AND word < ?) AS d CROSS JOIN customers c ON c.id = d.customer_id")
		args = append(args, words[0], words[0]+"\xff")
		words = words[1:]
	}
	for _, c := range exact {
		clauses = append(clauses, "c.id IN ("+c.sql+")")
		where = append(where, c.args...)
	}
	for _, w := range words {
		clauses = append(clauses, "EXISTS (SELECT 1 FROM customer_name_words w WHERE w.customer_id = c.id AND w.word >= ? AND w.word < ?)")
		where = append(where, w, w+"\xff")
	}
	if len(clauses) > 0 {
		b.WriteString(" WHERE " + strings.Join(clauses, " AND "))
	}
	b.WriteString(" ORDER BY c.external_id LIMIT ?")
	args = append(append(args, where...), store.EffectiveLimit(q.Limit))
	return b.String(), args
}

// Search implements store.Store.
func (db *DB) Search(ctx context.Context, q store.Search) ([]store.Customer, error) {
	if q.IsEmpty() {
		return nil, nil
	}
	query, args := searchQuery(q)
	cs, err := db.selectCustomers(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: search: %w", err)
	}
	return cs, nil
}

// customerQuery reads a customer and its newest transactions in one statement, so a concurrent
// load cannot mix two versions; seq is the rank newest first, so seq < limit caps them.
const customerQuery = `SELECT ` + customerColumns + `, t.type, t.sort_time, t.wire
	FROM customers c LEFT JOIN transactions t ON t.customer_id = c.id AND t.seq < ?
	WHERE c.external_id = ? ORDER BY t.seq`

// Customer implements store.Store.
func (db *DB) Customer(ctx context.Context, externalID string, maxTransactions int) (store.Customer, error) {
	rows, err := db.r.QueryxContext(ctx, customerQuery, maxTransactions, externalID)
	if err != nil {
		return store.Customer{}, fmt.Errorf("sqlite: customer: %w", err)
	}
	defer rows.Close()
	var r row
	var c store.Customer
	found := false
	for rows.Next() {
		var typ, wire sql.NullString
		var sortTime sql.NullInt64
		if err := rows.Scan(&r.ID, &r.ExternalID, &r.Name, &r.Address, &r.Details, &typ, &sortTime, &wire); err != nil {
			return store.Customer{}, fmt.Errorf("sqlite: customer: %w", err)
		}
		if !found {
			if c, err = r.customer(); err != nil {
				return store.Customer{}, fmt.Errorf("sqlite: customer: %w", err)
			}
			found = true
		}
		if typ.Valid {
			c.Transactions = append(c.Transactions, txRow{typ.String, sortTime.Int64, wire.String}.transaction())
		}
	}
	if err := rows.Err(); err != nil {
		return store.Customer{}, fmt.Errorf("sqlite: customer: %w", err)
	}
	if !found {
		return store.Customer{}, fmt.Errorf("sqlite: %w", store.ErrNotFound)
	}
	return c, nil
}

// txRow is one transactions row.
type txRow struct {
	Type     string `db:"type"`
	SortTime int64  `db:"sort_time"`
	Wire     string `db:"wire"`
}

// readTransactions returns a customer's transactions newest first; limit < 0 means all.
func readTransactions(ctx context.Context, q sqlxQueryer, customerID int64, limit int) ([]transactions.Transaction, error) {
	var rows []txRow
	if err := q.SelectContext(ctx, &rows, "SELECT type, sort_time, wire FROM transactions WHERE customer_id = ? ORDER BY seq LIMIT ?", customerID, limit); err != nil {
		return nil, err
	}
	out := make([]transactions.Transaction, len(rows))
	for i, r := range rows {
		out[i] = r.transaction()
	}
	return out, nil
}

func (r txRow) transaction() transactions.Transaction {
	return transactions.Load(transactions.Type(r.Type), time.UnixMicro(r.SortTime).UTC(), []byte(r.Wire))
}

// sqlxQueryer is what readTransactions needs of a *sqlx.Tx or *sqlx.DB.
type sqlxQueryer interface {
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func appendAll(args []any, values []string) []any {
	for _, v := range values {
		args = append(args, v)
	}
	return args
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

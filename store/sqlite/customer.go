package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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

// searchQuery intersects one index lookup per filled field. The most selective lookup drives
// the join (CROSS JOIN fixes SQLite's loop order), and the others are checked per candidate.
func searchQuery(q store.Search) (string, []any) {
	type cond struct {
		sql  string
		args []any
	}
	var conds []cond
	if q.Email != "" {
		conds = append(conds, cond{"SELECT customer_id FROM customer_emails WHERE email = ?", []any{q.Email}})
	}
	if q.Phone != "" {
		conds = append(conds, cond{"SELECT customer_id FROM customer_phones WHERE phone = ?", []any{q.Phone}})
	}
	for _, f := range sortedKeys(q.Identifiers) {
		conds = append(conds, cond{"SELECT customer_id FROM transaction_identifiers WHERE field = ? AND value = ?", []any{f, q.Identifiers[f]}})
	}
	for _, n := range sortedKeys(q.Attributes) {
		conds = append(conds, cond{"SELECT customer_id FROM customer_attributes WHERE name = ? AND value = ?", []any{n, store.AttributeKey(q.Attributes[n])}})
	}
	for _, w := range q.NameWords {
		conds = append(conds, cond{"SELECT customer_id FROM customer_name_words WHERE word >= ? AND word < ?", []any{w, w + "\xff"}})
	}

	var b strings.Builder
	var args []any
	b.WriteString("SELECT " + customerColumns + " FROM ")
	var where []string
	if q.ExternalID != "" {
		b.WriteString("customers c")
		where = append(where, "c.external_id = ?")
		args = append(args, q.ExternalID)
	} else {
		drive := conds[0]
		conds = conds[1:]
		b.WriteString("(SELECT DISTINCT customer_id FROM (" + drive.sql + ")) AS d CROSS JOIN customers c ON c.id = d.customer_id")
		args = append(args, drive.args...)
	}
	for _, c := range conds {
		where = append(where, "c.id IN ("+c.sql+")")
		args = append(args, c.args...)
	}
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	b.WriteString(" ORDER BY c.external_id LIMIT ?")
	args = append(args, store.EffectiveLimit(q.Limit))
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

// Customer implements store.Store. The customer and its transactions are read in one read
// transaction, so a concurrent load cannot mix two versions.
func (db *DB) Customer(ctx context.Context, externalID string, maxTransactions int) (store.Customer, error) {
	tx, err := db.r.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return store.Customer{}, fmt.Errorf("sqlite: customer: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	var r row
	err = tx.GetContext(ctx, &r, "SELECT "+customerColumns+" FROM customers c WHERE c.external_id = ?", externalID)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Customer{}, fmt.Errorf("sqlite: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Customer{}, fmt.Errorf("sqlite: customer: %w", err)
	}
	c, err := r.customer()
	if err != nil {
		return c, fmt.Errorf("sqlite: customer: %w", err)
	}
	if c.Transactions, err = readTransactions(ctx, tx, r.ID, maxTransactions); err != nil {
		return c, fmt.Errorf("sqlite: customer transactions: %w", err)
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
		out[i] = transactions.Load(transactions.Type(r.Type), time.UnixMicro(r.SortTime).UTC(), []byte(r.Wire))
	}
	return out, nil
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

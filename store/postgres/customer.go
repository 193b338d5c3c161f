package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlshared"
)

// row is one customers row as the queries select it, with its transactions when asked.
type row struct {
	ExternalID string `db:"external_id"`
	Name       string `db:"name"`
	Address    string `db:"address"`
	Details    []byte `db:"details"`
	Txs        []byte `db:"txs"`
}

// externalID is the row's key in the order lookups answer in.
func (r row) externalID() string { return r.ExternalID }

func (r *row) customer() (store.Customer, error) {
	return sqlshared.Customer(r.ExternalID, r.Name, r.Address, r.Details, r.Txs)
}

func decodeRows(rows []row) ([]store.Customer, error) {
	out := make([]store.Customer, 0, len(rows))
	for i := range rows {
		c, err := rows[i].customer()
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

const customerColumns = "c.external_id, c.name, c.address, c.details"

// byIDs selects the customers whose external ids are in an array, in no particular order.
const byIDs = "SELECT " + customerColumns + " FROM customers c WHERE c.external_id = ANY($1)"

// linkIDs finds the customers sharing an email or a phone: kind 1 for an email, 2 for a phone.
const linkIDs = `SELECT customer_id, 1 AS kind FROM customer_emails WHERE email = ANY($1)
	UNION ALL SELECT customer_id, 2 FROM customer_phones WHERE phone = ANY($2)`

// linkQuery orders and caps inside PostgreSQL, for when there are too many candidates.
const linkQuery = `SELECT ` + customerColumns + `
	FROM (SELECT customer_id, COUNT(DISTINCT kind) AS hits FROM (` + linkIDs + `) AS k GROUP BY customer_id) AS m
	JOIN customers c ON c.external_id = m.customer_id
	ORDER BY m.hits DESC, c.external_id
	LIMIT $3`

// selectRows runs a query selecting customer rows, retried on a serialization failure.
func (db *DB) selectRows(ctx context.Context, query string, args ...any) ([]row, error) {
	var rows []row
	err := db.read(ctx, func(ctx context.Context, q *sqlx.DB) (err error) {
		rows, err = sqlshared.SelectAll(ctx, q, query, args, func(rs *sql.Rows, r *row) error {
			return rs.Scan(&r.ExternalID, &r.Name, &r.Address, &r.Details)
		})
		return err
	})
	return rows, err
}

// linkHit is a row of linkIDs: a customer found by email (kind 1) or by phone (kind 2).
type linkHit struct {
	id   string
	kind int
}

// Link implements store.Store: the ids in one statement, then their rows in another (a
// single statement that ranks in PostgreSQL, linkQuery, measured 12% slower under load), or
// linkQuery when there are too many candidates to fetch.
func (db *DB) Link(ctx context.Context, q store.Link) ([]store.Customer, error) {
	if len(q.Emails) == 0 && len(q.Phones) == 0 {
		return nil, nil
	}
	emails, phones := nonNil(q.Emails), nonNil(q.Phones)
	var hits []linkHit
	if err := db.read(ctx, func(ctx context.Context, q *sqlx.DB) (err error) {
		hits, err = sqlshared.SelectAll(ctx, q, linkIDs, []any{emails, phones}, func(rs *sql.Rows, h *linkHit) error {
			return rs.Scan(&h.id, &h.kind)
		})
		return err
	}); err != nil {
		return nil, fmt.Errorf("postgres: link: %w", err)
	}
	kinds := make(map[string]int, len(hits)) // the ways each customer was found: 1, 2 or both
	for _, h := range hits {
		kinds[h.id] |= h.kind
	}
	limit := q.Limit
	if len(kinds) > sqlshared.MaxCandidates {
		rows, err := db.selectRows(ctx, linkQuery, emails, phones, limit)
		if err != nil {
			return nil, fmt.Errorf("postgres: link: %w", err)
		}
		return decodeRows(rows)
	}
	rows, err := db.selectRows(ctx, byIDs, slices.Collect(maps.Keys(kinds)))
	if err != nil {
		return nil, fmt.Errorf("postgres: link: %w", err)
	}
	both := func(r row) bool { return kinds[r.ExternalID] == sqlshared.LinkedBoth }
	return decodeRows(sqlshared.Ranked(rows, limit, row.externalID, both))
}

// rebind turns the shared conditions' ? placeholders into PostgreSQL's $N.
func rebind(query string) string { return sqlx.Rebind(sqlx.DOLLAR, query) }

// nonNil makes a nil list an empty array parameter rather than NULL.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// searchFilters renders the conditions a candidate c must also meet, with ? placeholders.
func searchFilters(q store.Search, conds []sqlshared.Cond) (string, []any) {
	clauses, args := sqlshared.Filters(q, conds, "c.external_id")
	return strings.Join(clauses, " AND "), args
}

// searchQuery finds, filters, orders and caps a search's customers in one statement: the
// customer with the external id, else the first condition's customers (its index yields them in
// external id order, so the LIMIT stops the scan early), filtered by every other condition.
func searchQuery(q store.Search) (string, []any) {
	from, conds, args := sqlshared.SearchSource(q, ") AS d JOIN customers c ON c.external_id = d.customer_id")
	where, more := searchFilters(q, conds)
	if where != "" {
		where = " WHERE " + where
	}
	args = append(append(args, more...), q.Limit)
	return rebind("SELECT " + customerColumns + " FROM " + from + where + " ORDER BY c.external_id LIMIT ?"), args
}

// Search implements store.Store, in one round trip.
func (db *DB) Search(ctx context.Context, q store.Search) ([]store.Customer, error) {
	if q.IsEmpty() {
		return nil, nil
	}
	query, args := searchQuery(q)
	rows, err := db.selectRows(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: search: %w", err)
	}
	return decodeRows(rows)
}

// txsColumn selects a customer's newest transactions (seq < $1) as one column in sqlshared's
// form; seq is the rank newest first.
const txsColumn = `(SELECT string_agg(t.seq::text || chr(31) || t.type || chr(31) || t.sort_time::text || chr(31) || t.wire, chr(30) ORDER BY t.seq)
	   FROM transactions t WHERE t.customer_id = c.external_id AND t.seq < $1) AS txs`

// customerQuery reads a customer and its newest transactions as one row.
const customerQuery = `SELECT ` + customerColumns + `, ` + txsColumn + ` FROM customers c WHERE c.external_id = $2`

// exportQuery reads every customer with all its transactions, in external id order.
const exportQuery = `SELECT ` + customerColumns + `, ` + txsColumn + ` FROM customers c ORDER BY c.external_id`

// Customer implements store.Store.
func (db *DB) Customer(ctx context.Context, externalID string, maxTransactions int) (store.Customer, error) {
	var r row
	err := db.read(ctx, func(ctx context.Context, q *sqlx.DB) error {
		return q.QueryRowContext(ctx, customerQuery, maxTransactions, externalID).
			Scan(&r.ExternalID, &r.Name, &r.Address, &r.Details, &r.Txs)
	})
	return sqlshared.FoundCustomer("postgres", err, r.customer)
}

// Export implements store.Exporter, from one repeatable-read snapshot of the primary.
func (db *DB) Export(ctx context.Context) iter.Seq2[store.Customer, error] {
	return func(yield func(store.Customer, error) bool) {
		if err := db.db.PingContext(ctx); err != nil {
			yield(store.Customer{}, fmt.Errorf("postgres: export: %w", db.primaryDown(err)))
			return
		}
		sqlshared.Export(ctx, db.db, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, "postgres",
			exportQuery, []any{math.MaxInt32}, (*row).customer, yield)
	}
}

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/lookup-adaptor/lookup-adaptor/answer"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlshared"
)

// row is one customers row as the queries select it.
type row struct {
	ID         int64  `db:"id"`
	ExternalID string `db:"external_id"`
	Name       string `db:"name"`
	Address    string `db:"address"`
	Details    []byte `db:"details"`
	Profile    []byte `db:"profile"` // answer.Stored's rendering, or NULL
}

// externalID is the row's key in the order lookups answer in.
func (r row) externalID() string { return r.ExternalID }

func (r row) customer() (store.Customer, error) {
	return r.withTransactions(nil)
}

// withTransactions decodes the row with a transactions column (nil: none).
func (r *row) withTransactions(txs []byte) (store.Customer, error) {
	c, err := sqlshared.Customer(r.ExternalID, r.Name, r.Address, r.Details, txs)
	c.Profile = answer.Profile(r.Profile)
	return c, err
}

// scan reads customerColumns, then more.
func (r *row) scan(rs interface{ Scan(...any) error }, more ...any) error {
	return rs.Scan(append([]any{&r.ID, &r.ExternalID, &r.Name, &r.Address, &r.Details, &r.Profile}, more...)...)
}

const customerColumns = "c.id, c.external_id, c.name, c.address, c.details, c.profile"

// selectCustomers runs a query selecting customerColumns and decodes the rows.
func (db *file) selectCustomers(ctx context.Context, query string, args ...any) ([]store.Customer, error) {
	rows, err := db.selectRows(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return decodeRows(rows)
}

// selectRows runs a query selecting customerColumns.
func (db *file) selectRows(ctx context.Context, query string, args ...any) ([]row, error) {
	return sqlshared.SelectAll(ctx, db.r, query, args, func(rs *sql.Rows, r *row) error { return r.scan(rs) })
}

// linkIDs finds the customers sharing one of n emails or one of m phones, with bit 1 set for an
// email match and bit 2 for a phone match; its arguments are the emails, then the phones. They
// are bound one by one: an IN list of one is a plain seek, where unpacking a JSON array cost
// SQLite more than the seeks themselves. The request caps both lists and Gladly sends few of
// each, so the statements are few and stay prepared.
func linkIDs(n, m int) string {
	var parts []string
	if n > 0 {
		parts = append(parts, "SELECT customer_id, 1 AS kind FROM customer_emails WHERE email IN ("+placeholders(n)+")")
	}
	if m > 0 {
		parts = append(parts, "SELECT customer_id, 2 AS kind FROM customer_phones WHERE phone IN ("+placeholders(m)+")")
	}
	return strings.Join(parts, " UNION ALL ")
}

// placeholders is n bound parameters, comma-separated.
func placeholders(n int) string { return strings.Repeat("?, ", n-1) + "?" }

// linkQuery orders and caps inside SQLite, for when there are too many candidates to fetch; its
// arguments are linkIDs'.
func linkQuery(n, m, limit int) string {
	return `SELECT ` + customerColumns + `
	FROM (SELECT customer_id, COUNT(DISTINCT kind) AS hits FROM (` + linkIDs(n, m) + `) GROUP BY customer_id) AS m
	CROSS JOIN customers c ON c.id = m.customer_id
	ORDER BY m.hits DESC, c.external_id` + limitClause(limit)
}

// limitClause caps a query at n rows. The number is written into the statement, not bound:
// SQLite (3.54) plans a LIMIT with the value bound to it, so it prepares a statement again
// every time a LIMIT parameter is bound, even to the same value, which cost a basic search
// more than its index seek. A limit is a server setting or a constant, so the texts stay few
// and prepared.
func limitClause(n int) string { return " LIMIT " + strconv.Itoa(n) }

// linkRows selects the customers sharing one of n emails or one of m phones, in no particular
// order, with the way each was found (linkIDs' kind): a customer found both ways, or by two of
// the emails, comes once for each. Its arguments are linkIDs'. It reads one past MaxCandidates
// rows, so that too many can be told from just enough.
func linkRows(n, m int) string {
	return "SELECT " + customerColumns + ", m.kind FROM (" + linkIDs(n, m) + ") AS m CROSS JOIN customers c ON c.id = m.customer_id" +
		limitClause(sqlshared.MaxCandidates+1)
}

// linkRow is a row of linkRows.
type linkRow struct {
	row
	kind int
}

// Link implements store.Store in one statement, linkRows, ranked in Go; past MaxCandidates
// rows, linkQuery ranks and caps inside SQLite instead.
func (db *file) Link(ctx context.Context, q store.Link) ([]store.Customer, error) {
	if len(q.Emails) == 0 && len(q.Phones) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(q.Emails)+len(q.Phones))
	for _, v := range q.Emails {
		args = append(args, v)
	}
	for _, v := range q.Phones {
		args = append(args, v)
	}
	hits, err := sqlshared.SelectAll(ctx, db.r, linkRows(len(q.Emails), len(q.Phones)), args,
		func(rs *sql.Rows, h *linkRow) error { return h.scan(rs, &h.kind) })
	if err != nil {
		return nil, fmt.Errorf("sqlite: link: %w", err)
	}
	if len(hits) > sqlshared.MaxCandidates {
		cs, err := db.selectCustomers(ctx, linkQuery(len(q.Emails), len(q.Phones), q.Limit), args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: link: %w", err)
		}
		return cs, nil
	}
	kinds := make(map[int64]int, len(hits))
	rows := make([]row, 0, len(hits))
	for _, h := range hits {
		if _, seen := kinds[h.ID]; !seen {
			rows = append(rows, h.row)
		}
		kinds[h.ID] |= h.kind
	}
	both := func(r row) bool { return kinds[r.ID] == sqlshared.LinkedBoth }
	return decodeRows(sqlshared.Ranked(rows, q.Limit, row.externalID, both))
}

// decodeRows turns rows into customers.
func decodeRows(rows []row) ([]store.Customer, error) {
	out := make([]store.Customer, 0, len(rows))
	for _, r := range rows {
		c, err := r.customer()
		if err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// searchRows selects the customers matching every field of q, in no particular order, followed
// by tail: the external id, else the first condition, drives (CROSS JOIN fixes SQLite's loop
// order) and every other condition filters.
func searchRows(q store.Search, tail string) (string, []any) {
	from, conds, args := sqlshared.SearchSource(q, ") AS d CROSS JOIN customers c ON c.id = d.customer_id")
	clauses, more := sqlshared.Filters(q, conds, "c.id")
	where := ""
	if len(clauses) > 0 {
		where = " WHERE " + strings.Join(clauses, " AND ")
	}
	return "SELECT " + customerColumns + " FROM " + from + where + tail, append(args, more...)
}

// Search implements store.Store in one statement, searchRows capped one past MaxCandidates and
// ordered in Go; past MaxCandidates matches (a common name prefix), SQLite orders and caps them
// itself instead.
func (db *file) Search(ctx context.Context, q store.Search) ([]store.Customer, error) {
	if q.IsEmpty() {
		return nil, nil
	}
	query, args := searchRows(q, limitClause(sqlshared.MaxCandidates+1))
	rows, err := db.selectRows(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: search: %w", err)
	}
	if len(rows) <= sqlshared.MaxCandidates {
		return decodeRows(sqlshared.Ranked(rows, q.Limit, row.externalID, nil))
	}
	query, args = searchRows(q, " ORDER BY c.external_id"+limitClause(q.Limit))
	cs, err := db.selectCustomers(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: search: %w", err)
	}
	return cs, nil
}

// txsColumn selects a customer's first ? chunks of transactions (at most maxChunks) as one
// column in sqlshared's form: the newest chunkSize times ? of them, in no guaranteed order
// (SplitTransactions orders them).
var txsColumn = `(SELECT group_concat(t.txs, char(30)) FROM transaction_chunks t WHERE ` + chunkRange("c.id", "?") + `) AS txs`

// customerQuery reads a customer, its newest transactions and the store's version as one row.
var customerQuery = `SELECT ` + customerColumns + `, ` + txsColumn + `, (` + versionQuery + `) FROM customers c WHERE c.external_id = ?`

// versionQuery reads the store's version (recent.go).
const versionQuery = "SELECT version FROM store_version WHERE id = 1"

// exportQuery reads every customer with all its transactions, in external id order.
var exportQuery = `SELECT ` + customerColumns + `, ` + txsColumn + ` FROM customers c ORDER BY c.external_id`

// fullRow is a customers row with its transactions column.
type fullRow struct {
	row
	Txs []byte `db:"txs"`
}

// customer decodes the row and its transactions.
func (r *fullRow) customer() (store.Customer, error) { return r.withTransactions(r.Txs) }

// Customer implements store.Store (see DB.Customer): a customer asked for again while the
// store's version has not moved is answered from recent, after one read of the version.
func (db *file) Customer(ctx context.Context, externalID string, maxTransactions int) (store.Customer, error) {
	key := recentKey{externalID, maxTransactions}
	if c, version, ok := db.recent.get(key); ok {
		var now int64
		if err := db.r.QueryRowContext(ctx, versionQuery).Scan(&now); err != nil {
			return store.Customer{}, fmt.Errorf("sqlite: customer: %w", err)
		}
		if now == version {
			return c, nil
		}
	}
	var r fullRow
	var version int64
	err := r.scan(db.r.QueryRowContext(ctx, customerQuery, chunksFor(maxTransactions), externalID), &r.Txs, &version)
	c, err := sqlshared.FoundCustomer("sqlite", err, func() (store.Customer, error) {
		c, err := r.customer()
		c.Transactions = c.Transactions[:min(len(c.Transactions), max(maxTransactions, 0))]
		return c, err
	})
	if err == nil && len(r.Details)+len(r.Profile)+len(r.Txs) <= recentMaxBytes {
		db.recent.put(key, version, c)
	}
	return c, err
}

// export yields every customer from one read transaction, so that the view is consistent.
func (db *file) export(ctx context.Context, yield func(store.Customer, error) bool) {
	sqlshared.Export(ctx, db.r, &sql.TxOptions{ReadOnly: true}, "sqlite", exportQuery, []any{maxChunks},
		(*fullRow).customer, yield)
}

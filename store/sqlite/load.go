package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// maxLoadErrors bounds how many bad records one Load reports before it stops reading.
const maxLoadErrors = 20

// keyTables lists, per kind of key, the statements that add and remove one index row.
var keyTables = struct{ insert, delete map[string]string }{
	insert: map[string]string{
		"email": "INSERT OR IGNORE INTO customer_emails (email, customer_id) VALUES (?, ?)",
		"phone": "INSERT OR IGNORE INTO customer_phones (phone, customer_id) VALUES (?, ?)",
		"word":  "INSERT OR IGNORE INTO customer_name_words (word, customer_id) VALUES (?, ?)",
		"attr":  "INSERT OR IGNORE INTO customer_attributes (name, value, customer_id) VALUES (?, ?, ?)",
		"ident": "INSERT OR IGNORE INTO transaction_identifiers (field, value, customer_id) VALUES (?, ?, ?)",
	},
	delete: map[string]string{
		"email": "DELETE FROM customer_emails WHERE email = ? AND customer_id = ?",
		"phone": "DELETE FROM customer_phones WHERE phone = ? AND customer_id = ?",
		"word":  "DELETE FROM customer_name_words WHERE word = ? AND customer_id = ?",
		"attr":  "DELETE FROM customer_attributes WHERE name = ? AND value = ? AND customer_id = ?",
		"ident": "DELETE FROM transaction_identifiers WHERE field = ? AND value = ? AND customer_id = ?",
	},
}

// loader holds one Load's transaction and prepared statements.
type loader struct {
	db     *file
	tx     *sqlx.Tx
	stmts  map[string]*sqlx.Stmt
	insert map[string]*sqlx.Stmt
	delete map[string]*sqlx.Stmt
}

var loaderSQL = map[string]string{
	"find":   "SELECT id, fingerprint FROM customers WHERE external_id = ?",
	"old":    "SELECT c.id, c.external_id, c.name, c.address, c.details FROM customers c WHERE c.id = ?",
	"add":    "INSERT INTO customers (external_id, name, address, details, fingerprint) VALUES (?, ?, ?, ?, ?)",
	"update": "UPDATE customers SET name = ?, address = ?, details = ?, fingerprint = ? WHERE id = ?",
	"dropTx": "DELETE FROM transactions WHERE customer_id = ?",
	"addTx":  "INSERT INTO transactions (customer_id, seq, type, sort_time, wire) VALUES (?, ?, ?, ?, ?)",
}

// Load implements store.Loader: all records in one write transaction, committed only if every
// record was good. Reading goes on past a bad record (writing nothing more) so that up to
// maxLoadErrors bad records are reported together.
func (db *file) Load(ctx context.Context, records store.Records) (store.LoadStats, error) {
	var stats store.LoadStats
	tx, err := db.w.BeginTxx(ctx, nil)
	if err != nil {
		return stats, fmt.Errorf("sqlite: load: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	l := &loader{db: db, tx: tx, stmts: map[string]*sqlx.Stmt{}, insert: map[string]*sqlx.Stmt{}, delete: map[string]*sqlx.Stmt{}}
	for _, group := range []struct {
		sql  map[string]string
		into map[string]*sqlx.Stmt
	}{{loaderSQL, l.stmts}, {keyTables.insert, l.insert}, {keyTables.delete, l.delete}} {
		for name, q := range group.sql {
			st, err := tx.PreparexContext(ctx, q)
			if err != nil {
				return stats, fmt.Errorf("sqlite: load: prepare: %w", err)
			}
			defer st.Close()
			group.into[name] = st
		}
	}

	var errs []error
	for c, err := range records {
		if err != nil {
			if errs = append(errs, err); len(errs) >= maxLoadErrors {
				errs = append(errs, fmt.Errorf("stopped after %d bad records", maxLoadErrors))
				break
			}
			continue
		}
		stats.Read++
		if len(errs) > 0 {
			continue
		}
		if err := l.upsert(ctx, &c, &stats); err != nil {
			return store.LoadStats{}, fmt.Errorf("sqlite: load customer %s: %w", c.ExternalID, err)
		}
	}
	if len(errs) > 0 {
		return store.LoadStats{}, errors.Join(errs...)
	}
	if err := tx.Commit(); err != nil {
		return store.LoadStats{}, fmt.Errorf("sqlite: load: commit: %w", err)
	}
	return stats, nil
}

// upsert writes one customer unless an identical one is stored already.
func (l *loader) upsert(ctx context.Context, c *store.Customer, stats *store.LoadStats) error {
	keys := l.db.norm.Keys(c)
	c.Transactions = transactions.Newest(c.Transactions, -1)
	fp := store.Fingerprint(c)
	det := encodeDetails(c)
	var id int64
	var oldFP string
	err := l.stmts["find"].QueryRowxContext(ctx, c.ExternalID).Scan(&id, &oldFP)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		res, err := l.stmts["add"].ExecContext(ctx, c.ExternalID, c.Name, c.Address, det, fp)
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
	case err != nil:
		return err
	case oldFP == fp:
		stats.Unchanged++
		return nil
	default:
		if err := l.removeKeys(ctx, id); err != nil {
			return err
		}
		if _, err := l.stmts["update"].ExecContext(ctx, c.Name, c.Address, det, fp, id); err != nil {
			return err
		}
	}
	if err := l.writeKeys(ctx, l.insert, id, keys); err != nil {
		return err
	}
	for seq, tx := range c.Transactions {
		if _, err := l.stmts["addTx"].ExecContext(ctx, id, seq, string(tx.Type()), tx.Date().UnixMicro(), string(tx.Wire())); err != nil {
			return err
		}
	}
	stats.Written++
	return nil
}

// removeKeys deletes a stored customer's index rows and transactions, finding the rows by the
// keys of the stored version, so no index on customer_id is needed.
func (l *loader) removeKeys(ctx context.Context, id int64) error {
	var r row
	if err := l.stmts["old"].GetContext(ctx, &r, id); err != nil {
		return err
	}
	old, err := r.customer()
	if err != nil {
		return err
	}
	if old.Transactions, err = readTransactions(ctx, l.tx, id, -1); err != nil {
		return err
	}
	if err := l.writeKeys(ctx, l.delete, id, l.db.norm.Keys(&old)); err != nil {
		return err
	}
	_, err = l.stmts["dropTx"].ExecContext(ctx, id)
	return err
}

// writeKeys runs one statement of stmts (insert or delete) per key of the customer.
func (l *loader) writeKeys(ctx context.Context, stmts map[string]*sqlx.Stmt, id int64, k store.Keys) error {
	exec := func(name string, args ...any) error {
		_, err := stmts[name].ExecContext(ctx, append(args, id)...)
		return err
	}
	for _, e := range k.Emails {
		if err := exec("email", e); err != nil {
			return err
		}
	}
	for _, p := range k.Phones {
		if err := exec("phone", p); err != nil {
			return err
		}
	}
	for _, w := range k.NameWords {
		if err := exec("word", w); err != nil {
			return err
		}
	}
	for name, v := range k.Attributes {
		if err := exec("attr", name, v); err != nil {
			return err
		}
	}
	for _, ident := range k.Identifiers {
		if err := exec("ident", ident[0], ident[1]); err != nil {
			return err
		}
	}
	return nil
}

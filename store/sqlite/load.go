package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"

	"github.com/lookup-adaptor/lookup-adaptor/answer"
	"github.com/lookup-adaptor/lookup-adaptor/internal/ordered"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlshared"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// maxLoadErrors bounds how many bad records one Load reports before it stops reading.
const maxLoadErrors = 20

// loadSQL are the statements of a Load, prepared once per Load as the fields of a loader.
var loadSQL = struct {
	seenTable, find, update, remember, firstPlace, unnamed, maxID, bumpVersion string
	// insert are the batched INSERTs of customers and transactions (keyTables adds the key
	// tables'), by kind: the statement head and its number of columns.
	insert         map[string]batched
	dropByCustomer []string
}{
	find:   "SELECT id, fingerprint FROM customers WHERE external_id = ?",
	update: "UPDATE customers SET name = ?, address = ?, details = ?, profile = ?, fingerprint = ? WHERE id = ?",
	// load_seen holds the external ids this Load has named, with where: duplicates are found
	// there, and so are the customers a replacing Load removes.
	seenTable:  "CREATE TEMP TABLE load_seen (external_id TEXT PRIMARY KEY, place TEXT NOT NULL) WITHOUT ROWID",
	remember:   "INSERT OR IGNORE INTO temp.load_seen (external_id, place) VALUES (?, ?)",
	firstPlace: "SELECT place FROM temp.load_seen WHERE external_id = ?",
	unnamed:    "SELECT id FROM customers WHERE external_id NOT IN (SELECT external_id FROM temp.load_seen)",
	// maxID is the highest customer id, 0 when there is no customer (ids start at 1).
	maxID: "SELECT COALESCE(MAX(id), 0) FROM customers",
	// bumpVersion tells every process that customers it read before may have changed (recent.go).
	bumpVersion: "UPDATE store_version SET version = version + 1 WHERE id = 1",
	insert: map[string]batched{
		// New customers come with the ids the load gives them, so that they too are batched.
		"customer": {"INSERT INTO customers (id, external_id, name, address, details, profile, fingerprint) VALUES ", 7},
		"chunk":    {"INSERT INTO transaction_chunks (id, txs) VALUES ", 2},
	},
	dropByCustomer: dropsByCustomer(),
}

// dropsByCustomer deletes everything a customer has besides its customers row, by
// customer_id: its rows in every key table, and its transactions.
func dropsByCustomer() []string {
	var out []string
	for _, name := range keyNames {
		out = append(out, "DELETE FROM "+keyTables[name].name+" WHERE customer_id = ?")
	}
	return append(out, "DELETE FROM transaction_chunks AS t WHERE "+chunkRange("?1", strconv.Itoa(maxChunks)))
}

// keyTables are the tables of ways to find a customer, by the name writeKeys fills them under,
// with their columns in primary key order.
var keyTables = map[string]keyTable{
	"email": {"customer_emails", []string{"email", "customer_id"}},
	"phone": {"customer_phones", []string{"phone", "customer_id"}},
	"word":  {"customer_name_words", []string{"word", "customer_id"}},
	"attr":  {"customer_attributes", []string{"name", "value", "customer_id"}},
	"ident": {"transaction_identifiers", []string{"field", "value", "customer_id"}},
}

// keyNames are keyTables' names, sorted: the order of temp.stage_keys' columns.
var keyNames = slices.Sorted(maps.Keys(keyTables))

// keyTable is one of keyTables.
type keyTable struct {
	name string
	cols []string
}

// insert is the batched INSERT of its rows; a key is in a table at most once.
func (k keyTable) insert() batched {
	return batched{"INSERT OR IGNORE INTO " + k.name + " (" + strings.Join(k.cols, ", ") + ") VALUES ", len(k.cols)}
}

// batched is a batched INSERT: its head, up to VALUES, and its number of columns.
type batched struct {
	head string
	cols int
}

// dropCustomer removes the customers row itself, after dropByCustomer.
const dropCustomer = "DELETE FROM customers WHERE id = ?"

// loader holds one Load's transaction and prepared statements.
type loader struct {
	norm *store.Normalizer
	tx   *sqlx.Tx
	// nextID is the id the next new customer gets; empty says the store had no customer when
	// the load began, so that no record needs looking up and the keys are staged (stage).
	nextID int64
	empty  bool

	find, update, remember, firstPlace, dropRow *sqlx.Stmt
	insert                                      map[string]*batcher
	dropByCustomer                              []*sqlx.Stmt
}

// prepare prepares every statement of the loader inside its transaction.
func (l *loader) prepare(ctx context.Context) error {
	var errs []error
	prep := func(q string) *sqlx.Stmt {
		st, err := l.tx.PreparexContext(ctx, q)
		errs = append(errs, err)
		return st
	}
	l.find, l.update = prep(loadSQL.find), prep(loadSQL.update)
	l.remember, l.firstPlace, l.dropRow = prep(loadSQL.remember), prep(loadSQL.firstPlace), prep(dropCustomer)
	l.insert = make(map[string]*batcher, len(loadSQL.insert))
	for name, b := range loadSQL.insert {
		l.insert[name] = newBatcher(l.tx, b.head, b.cols)
	}
	for name, k := range keyTables {
		b := k.insert()
		l.insert[name] = newBatcher(l.tx, b.head, b.cols)
	}
	if l.empty {
		b := stagedKeys()
		l.insert["staged"] = newBatcher(l.tx, b.head, b.cols)
	}
	for _, q := range loadSQL.dropByCustomer {
		l.dropByCustomer = append(l.dropByCustomer, prep(q))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	return nil
}

// Load implements store.Loader: all records in one write transaction, committed only if every
// record was good. Reading goes on past a bad record (writing nothing more) so that up to
// maxLoadErrors bad records are reported together. With SQLite's secure_delete on, what a Load
// removes is overwritten in the file, and the WAL is truncated after a Load that removed
// anything, so no copy of a deleted customer stays behind. A load into a store with no
// customer skips the WAL (withoutWAL).
func (db *file) Load(ctx context.Context, records store.Records, opts store.LoadOptions) (store.LoadStats, error) {
	var maxID int64
	if err := db.w.GetContext(ctx, &maxID, loadSQL.maxID); err != nil {
		return store.LoadStats{}, fmt.Errorf("sqlite: load: %w", err)
	}
	if maxID == 0 {
		restore, err := db.withoutWAL(ctx)
		if err != nil {
			return store.LoadStats{}, fmt.Errorf("sqlite: load: %w", err)
		}
		defer restore()
	}
	stats, err := db.load(ctx, records, opts)
	if err != nil {
		return store.LoadStats{}, err
	}
	if stats.Deleted > 0 || stats.Changed > 0 {
		// Best effort: with readers busy on older snapshots the WAL cannot be truncated yet,
		// and the next checkpoint (at the latest, the last connection's close) overwrites it.
		_, _ = db.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	return stats, nil
}

func (db *file) load(ctx context.Context, records store.Records, opts store.LoadOptions) (store.LoadStats, error) {
	var stats store.LoadStats
	tx, err := db.w.BeginTxx(ctx, nil)
	if err != nil {
		return stats, fmt.Errorf("sqlite: load: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	// The table lives as long as the Load: created in its transaction, dropped before commit.
	if _, err := tx.ExecContext(ctx, loadSQL.seenTable); err != nil {
		return stats, fmt.Errorf("sqlite: load: %w", err)
	}
	l := &loader{norm: db.norm, tx: tx}
	var maxID int64
	if err := tx.QueryRowxContext(ctx, loadSQL.maxID).Scan(&maxID); err != nil {
		return stats, fmt.Errorf("sqlite: load: %w", err)
	}
	l.nextID, l.empty = maxID+1, maxID == 0
	if l.empty {
		if err := l.stage(ctx); err != nil {
			return stats, fmt.Errorf("sqlite: load: %w", err)
		}
	}
	if err := l.prepare(ctx); err != nil {
		return stats, fmt.Errorf("sqlite: load: %w", err)
	}
	defer l.close()

	var errs []error
	for p := range ordered.Map(pairs(records), l.prepareRecord) {
		r, err := p.Record, p.err
		if err == nil {
			err = l.rememberRecord(ctx, r)
		}
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
		if err := l.apply(ctx, p, &stats); err != nil {
			return store.LoadStats{}, fmt.Errorf("sqlite: load customer %s: %w", r.Customer.ExternalID, err)
		}
	}
	if len(errs) > 0 {
		return store.LoadStats{}, errors.Join(errs...)
	}
	if err := l.flush(ctx); err != nil {
		return store.LoadStats{}, fmt.Errorf("sqlite: load: %w", err)
	}
	if l.empty {
		if err := l.unstage(ctx); err != nil {
			return store.LoadStats{}, fmt.Errorf("sqlite: load: %w", err)
		}
	}
	if opts.Replace {
		if err := l.removeUnnamed(ctx, opts.MaxDelete, &stats); err != nil {
			return store.LoadStats{}, fmt.Errorf("sqlite: load: replace: %w", err)
		}
	}
	l.close()
	if _, err := tx.ExecContext(ctx, "DROP TABLE temp.load_seen"); err != nil {
		return store.LoadStats{}, fmt.Errorf("sqlite: load: %w", err)
	}
	if stats.Added+stats.Changed+stats.Deleted > 0 {
		if _, err := tx.ExecContext(ctx, loadSQL.bumpVersion); err != nil {
			return store.LoadStats{}, fmt.Errorf("sqlite: load: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return store.LoadStats{}, fmt.Errorf("sqlite: load: commit: %w", err)
	}
	return stats, nil
}

// A load into an empty store stages its keys. Inserted one customer after another, they
// would land all over each key table's B-tree. Instead the writer appends one row per customer
// to temp.stage_keys: the customer's id and, per key table, its rows there as a JSON array
// (rendered on the parsing cores, in prepareRecord). At the end, unstage inserts each table's
// rows in key order, which appends to its tree, and builds the table's other indexes afterwards
// by sorting.

// stagedKeys is the batched INSERT into temp.stage_keys.
func stagedKeys() batched {
	return batched{"INSERT INTO temp.stage_keys (customer_id, " + strings.Join(keyNames, ", ") + ") VALUES ", 1 + len(keyNames)}
}

// stage creates temp.stage_keys.
func (l *loader) stage(ctx context.Context) error {
	_, err := l.tx.ExecContext(ctx, "CREATE TEMP TABLE stage_keys (customer_id INTEGER NOT NULL, "+strings.Join(keyNames, " TEXT, ")+" TEXT)")
	return err
}

// stagedRows renders k as the key columns of its temp.stage_keys row, in keyNames order: per
// table a JSON array of the customer's rows there (a row of one value is the value itself,
// otherwise an array of its values), or nil for none. A key that is not valid UTF-8 would not
// survive JSON as it is, so a customer with one is not staged (nil): its keys are written
// directly.
func stagedRows(k store.Keys) []any {
	rows := make(map[string][]any, len(keyTables))
	valid := true
	eachKey(k, func(name string, vals ...string) {
		for _, v := range vals {
			valid = valid && utf8.ValidString(v)
		}
		if len(vals) == 1 {
			rows[name] = append(rows[name], vals[0])
		} else {
			rows[name] = append(rows[name], vals)
		}
	})
	if !valid {
		return nil
	}
	out := make([]any, len(keyNames))
	for i, name := range keyNames {
		if len(rows[name]) > 0 {
			b, _ := json.Marshal(rows[name]) // strings always marshal
			out[i] = string(b)
		}
	}
	return out
}

// unstage moves the staged keys into their tables in key order, with each table's other
// indexes dropped meanwhile and built again afterwards, and drops temp.stage_keys. The whole
// load is one transaction, so a failure restores the indexes too.
func (l *loader) unstage(ctx context.Context) error {
	// Let SQLite sort on every core: nothing else runs while it does.
	if _, err := l.tx.ExecContext(ctx, fmt.Sprintf("PRAGMA threads = %d", runtime.GOMAXPROCS(0))); err != nil {
		return err
	}
	for _, name := range keyNames {
		k := keyTables[name]
		var indexes []struct {
			Name string `db:"name"`
			SQL  string `db:"sql"`
		}
		if err := l.tx.SelectContext(ctx, &indexes, "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", k.name); err != nil {
			return err
		}
		for _, ix := range indexes {
			if _, err := l.tx.ExecContext(ctx, `DROP INDEX main."`+ix.Name+`"`); err != nil {
				return err
			}
		}
		values, order := []string{"j.value"}, "1, 2"
		if n := len(k.cols) - 1; n > 1 {
			values, order = nil, "1"
			for i := range n {
				values = append(values, fmt.Sprintf("j.value ->> %d", i))
				order += fmt.Sprintf(", %d", i+2)
			}
		}
		q := "INSERT OR IGNORE INTO main." + k.name + " (" + strings.Join(k.cols, ", ") + ") SELECT " + strings.Join(values, ", ") +
			", s.customer_id FROM temp.stage_keys s, json_each(s." + name + ") j ORDER BY " + order
		if _, err := l.tx.ExecContext(ctx, q); err != nil {
			return err
		}
		for _, ix := range indexes {
			if _, err := l.tx.ExecContext(ctx, ix.SQL); err != nil {
				return err
			}
		}
	}
	_, err := l.tx.ExecContext(ctx, "DROP TABLE temp.stage_keys")
	return err
}

// close releases the prepared statements; closing twice is harmless.
func (l *loader) close() {
	for _, st := range append([]*sqlx.Stmt{l.find, l.update, l.remember, l.firstPlace, l.dropRow}, l.dropByCustomer...) {
		if st != nil {
			st.Close()
		}
	}
	for _, b := range l.insert {
		b.close()
	}
}

// rememberRecord notes that r names its customer, and fails if an earlier record did.
func (l *loader) rememberRecord(ctx context.Context, r store.Record) error {
	res, err := l.remember.ExecContext(ctx, r.Customer.ExternalID, r.Place)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var first string
	if err := l.firstPlace.GetContext(ctx, &first, r.Customer.ExternalID); err != nil {
		return err
	}
	return store.DuplicateError(r, first)
}

// record is one record of a load and its error, as records yields them.
type record struct {
	store.Record
	err error
}

// pairs turns records into a sequence of single values.
func pairs(records store.Records) iter.Seq[record] {
	return func(yield func(record) bool) {
		for r, err := range records {
			if !yield(record{r, err}) {
				return
			}
		}
	}
}

// prepared is a record with what writing it takes besides the database — its keys, fingerprint,
// details and profile columns, its transactions newest first — worked out on every core, ahead
// of the one writer.
type prepared struct {
	record
	keys    store.Keys
	staged  []any // the keys as temp.stage_keys holds them, when the load stages them (stagedRows)
	fp      string
	det     []byte
	profile []byte   // answer.Stored's rendering, nil when it depends on configuration
	chunks  []string // the transactions, newest first, rendered chunkSize to a chunk
}

// prepareRecord works out what apply writes for r; it runs on many goroutines at once.
func (l *loader) prepareRecord(r record) prepared {
	p := prepared{record: r}
	if r.err != nil || r.Deleted {
		return p
	}
	c := &p.Customer
	p.keys = l.norm.Keys(c)
	c.Transactions = transactions.Newest(c.Transactions, -1)
	p.fp = fingerprint(c)
	p.det = sqlshared.EncodeDetails(c)
	p.profile = answer.Stored(c)
	p.chunks = renderChunks(c.Transactions)
	if l.empty {
		p.staged = stagedRows(p.keys)
	}
	return p
}

// fingerprint is store.Fingerprint marked with the profile rendering's version, so that a
// customer stored by a build that rendered its profile otherwise, or kept none, counts as
// changed and is written again with the profile.
func fingerprint(c *store.Customer) string {
	return store.Fingerprint(c) + "/profile-" + strconv.Itoa(int(answer.Version))
}

// renderChunks renders txs, newest first, as the rows of transaction_chunks.
func renderChunks(txs []transactions.Transaction) []string {
	var out []string
	var b []byte
	for start := 0; start < len(txs); start += chunkSize {
		b = b[:0]
		for seq := start; seq < min(start+chunkSize, len(txs)); seq++ {
			if seq > start {
				b = append(b, 0x1e)
			}
			b = sqlshared.AppendTransactionItem(b, seq, txs[seq])
		}
		out = append(out, string(b))
	}
	return out
}

// apply writes one record: a tombstone removes its customer; a customer is added, changed, or
// left alone when identical.
func (l *loader) apply(ctx context.Context, p prepared, stats *store.LoadStats) error {
	c := &p.Customer
	var id int64
	var oldFP string
	stored := false
	if !l.empty {
		err := l.find.QueryRowxContext(ctx, c.ExternalID).Scan(&id, &oldFP)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		stored = err == nil
	}
	if p.Deleted {
		if !stored {
			stats.Tombstone(c.ExternalID)
			return nil
		}
		stats.Deleted++
		return l.remove(ctx, id)
	}
	switch {
	case !stored:
		id = l.nextID
		l.nextID++
		if err := l.insert["customer"].add(ctx, id, c.ExternalID, c.Name, c.Address, p.det, p.profile, p.fp); err != nil {
			return err
		}
		stats.Added++
	case oldFP == p.fp:
		stats.Unchanged++
		return nil
	default:
		if err := l.dropRows(ctx, id); err != nil {
			return err
		}
		if _, err := l.update.ExecContext(ctx, c.Name, c.Address, p.det, p.profile, p.fp, id); err != nil {
			return err
		}
		stats.Changed++
	}
	if p.staged != nil {
		if err := l.insert["staged"].add(ctx, append([]any{id}, p.staged...)...); err != nil {
			return err
		}
	} else if err := l.writeKeys(ctx, id, p.keys); err != nil {
		return err
	}
	for n, chunk := range p.chunks {
		key, err := chunkKey(id, n)
		if err != nil {
			return fmt.Errorf("customer %s: %w", c.ExternalID, err)
		}
		if err := l.insert["chunk"].add(ctx, key, chunk); err != nil {
			return err
		}
	}
	return nil
}

// removeUnnamed removes every customer no record of this Load named.
func (l *loader) removeUnnamed(ctx context.Context, limit store.DeleteLimit, stats *store.LoadStats) error {
	var ids []int64
	if err := l.tx.SelectContext(ctx, &ids, loadSQL.unnamed); err != nil {
		return err
	}
	var now int
	if err := l.tx.GetContext(ctx, &now, "SELECT count(*) FROM customers"); err != nil {
		return err
	}
	if err := limit.Check(len(ids), now-stats.Added+stats.Deleted); err != nil { // as stored before the load
		return err
	}
	for _, id := range ids {
		if err := l.remove(ctx, id); err != nil {
			return err
		}
	}
	stats.Deleted += len(ids)
	return nil
}

// remove deletes a customer: every index row and transaction, then the customer itself.
func (l *loader) remove(ctx context.Context, id int64) error {
	if err := l.dropRows(ctx, id); err != nil {
		return err
	}
	_, err := l.dropRow.ExecContext(ctx, id)
	return err
}

// dropRows deletes a customer's index rows and transactions by customer_id.
func (l *loader) dropRows(ctx context.Context, id int64) error {
	for _, st := range l.dropByCustomer {
		if _, err := st.ExecContext(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// flush writes every queued row; the load calls it before it reads or deletes by customer, and
// before it commits.
func (l *loader) flush(ctx context.Context) error {
	for _, b := range l.insert {
		if err := b.flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// writeKeys queues one index row per key of the customer.
func (l *loader) writeKeys(ctx context.Context, id int64, k store.Keys) error {
	var err error
	eachKey(k, func(name string, vals ...string) {
		if err != nil {
			return
		}
		args := make([]any, 0, len(vals)+1)
		for _, v := range vals {
			args = append(args, v)
		}
		err = l.insert[name].add(ctx, append(args, id)...)
	})
	return err
}

// eachKey calls f with each key row of k: its key table's name (in keyTables) and its values
// before customer_id.
func eachKey(k store.Keys, f func(name string, vals ...string)) {
	for _, e := range k.Emails {
		f("email", e)
	}
	for _, p := range k.Phones {
		f("phone", p)
	}
	for _, w := range k.NameWords {
		f("word", w)
	}
	for name, v := range k.Attributes {
		f("attr", name, v)
	}
	for _, ident := range k.Identifiers {
		f("ident", ident[0], ident[1])
	}
}

// withoutWAL switches the file to a rollback journal for a load into a store with no
// customer, and returns what switches it back. Such a load writes pages the file did not have
// before (or only free ones), and a rollback journal copies none of the first and just the
// original content of the second: the load is still all or nothing, after a crash too (the
// next open rolls the journal back), but the new pages are written once, where the WAL writes
// them twice (into the log, then into the file). The read pool's idle connections, which hold
// the WAL open, are closed first. When another process has the file open, the switch is
// refused (after the busy timeout) and the load keeps the WAL; a process that tries to open
// the file while the load runs waits for it, and fails after the busy timeout.
func (db *file) withoutWAL(ctx context.Context) (restore func(), err error) {
	db.r.SetMaxIdleConns(0)
	restore = func() {
		// Best effort: whatever happens here, every open sets WAL again on its writer.
		_, _ = db.w.ExecContext(context.WithoutCancel(ctx), "PRAGMA journal_mode = WAL")
		db.r.SetMaxIdleConns(db.readConns)
	}
	var mode string
	err = db.w.GetContext(ctx, &mode, "PRAGMA journal_mode = DELETE")
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
		err = nil // someone else has the file open: keep the WAL
	}
	if err != nil {
		restore()
		return nil, err
	}
	return restore, nil
}

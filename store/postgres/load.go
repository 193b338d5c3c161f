package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlshared"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// maxLoadErrors bounds how many bad records one Load reports before it stops reading.
const maxLoadErrors = 20

// stageTable holds one Load's records, streamed in with COPY: one row per record, its index keys
// and transactions as arrays, and what the load does with it (action). It lives as long as the
// Load's transaction.
const stageTable = `CREATE TEMP TABLE stage (
	ord BIGINT NOT NULL, external_id TEXT COLLATE "C" NOT NULL, place TEXT NOT NULL, deleted BOOLEAN NOT NULL,
	name TEXT NOT NULL, address TEXT NOT NULL, details BYTEA NOT NULL, fingerprint TEXT NOT NULL,
	emails TEXT[] NOT NULL, phones TEXT[] NOT NULL, words TEXT[] NOT NULL,
	attr_names TEXT[] NOT NULL, attr_values TEXT[] NOT NULL, id_fields TEXT[] NOT NULL, id_values TEXT[] NOT NULL,
	tx_types TEXT[] NOT NULL, tx_times BIGINT[] NOT NULL, tx_wires TEXT[] NOT NULL,
	action TEXT
) ON COMMIT DROP`

var stageColumns = []string{"ord", "external_id", "place", "deleted", "name", "address", "details", "fingerprint",
	"emails", "phones", "words", "attr_names", "attr_values", "id_fields", "id_values", "tx_types", "tx_times", "tx_wires"}

// applySQL are the set-based statements that apply the staged records, in order. Actions:
// add, change, same, delete (a tombstone of a stored customer), unknown (of none); with
// Replace, the customers no record names are staged as gone.
var applySQL = struct {
	classify, gone []string
	remove         []string
	upsert         string
	keys           []string
}{
	classify: []string{
		"CREATE INDEX ON stage (external_id)",
		"ANALYZE stage",
		`UPDATE stage s SET action = CASE WHEN s.deleted THEN 'delete' WHEN c.fingerprint = s.fingerprint THEN 'same' ELSE 'change' END
			FROM customers c WHERE c.external_id = s.external_id`,
		"UPDATE stage SET action = CASE WHEN deleted THEN 'unknown' ELSE 'add' END WHERE action IS NULL",
	},
	gone: []string{
		`CREATE TEMP TABLE gone ON COMMIT DROP AS
			SELECT c.external_id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM stage s WHERE s.external_id = c.external_id)`,
	},
	// Everything a changed, deleted or gone customer had besides its customers row, then the
	// rows of the deleted and gone ones.
	remove: []string{
		"DELETE FROM customer_emails WHERE customer_id IN (SELECT external_id FROM dropped)",
		"DELETE FROM customer_phones WHERE customer_id IN (SELECT external_id FROM dropped)",
		"DELETE FROM customer_name_words WHERE customer_id IN (SELECT external_id FROM dropped)",
		"DELETE FROM customer_attributes WHERE customer_id IN (SELECT external_id FROM dropped)",
		"DELETE FROM transaction_identifiers WHERE customer_id IN (SELECT external_id FROM dropped)",
		"DELETE FROM transactions WHERE customer_id IN (SELECT external_id FROM dropped)",
		"DELETE FROM customers WHERE external_id IN (SELECT external_id FROM dropped WHERE NOT rewritten)",
	},
	upsert: `INSERT INTO customers (external_id, name, address, details, fingerprint)
		SELECT external_id, name, address, details, fingerprint FROM stage WHERE action IN ('add', 'change')
		ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address,
			details = EXCLUDED.details, fingerprint = EXCLUDED.fingerprint`,
	keys: []string{
		`INSERT INTO customer_emails (email, customer_id) SELECT DISTINCT e, external_id FROM stage, unnest(emails) AS e
			WHERE action IN ('add', 'change') ON CONFLICT (email, customer_id) DO NOTHING`,
		`INSERT INTO customer_phones (phone, customer_id) SELECT DISTINCT p, external_id FROM stage, unnest(phones) AS p
			WHERE action IN ('add', 'change') ON CONFLICT (phone, customer_id) DO NOTHING`,
		`INSERT INTO customer_name_words (word, customer_id) SELECT DISTINCT w, external_id FROM stage, unnest(words) AS w
			WHERE action IN ('add', 'change') ON CONFLICT (word, customer_id) DO NOTHING`,
		`INSERT INTO customer_attributes (name, value, customer_id) SELECT DISTINCT a.n, a.v, external_id
			FROM stage, unnest(attr_names, attr_values) AS a(n, v)
			WHERE action IN ('add', 'change') ON CONFLICT (name, value, customer_id) DO NOTHING`,
		`INSERT INTO transaction_identifiers (field, value, customer_id) SELECT DISTINCT i.f, i.v, external_id
			FROM stage, unnest(id_fields, id_values) AS i(f, v)
			WHERE action IN ('add', 'change') ON CONFLICT (field, value, customer_id) DO NOTHING`,
		`INSERT INTO transactions (customer_id, seq, type, sort_time, wire) SELECT external_id, t.ord - 1, t.typ, t.at, t.wire
			FROM stage, unnest(tx_types, tx_times, tx_wires) WITH ORDINALITY AS t(typ, at, wire, ord)
			WHERE action IN ('add', 'change')`,
	},
}

// droppedTable lists the customers whose rows go: changed ones (rewritten), deleted and gone.
const droppedTable = `CREATE TEMP TABLE dropped ON COMMIT DROP AS
	SELECT external_id, action = 'change' AS rewritten FROM stage WHERE action IN ('change', 'delete')`

// Load implements store.Loader: the records are streamed with COPY into a temporary table and
// applied with set-based statements, all in one transaction, committed only if every record
// was good. Deleted rows are gone for every query at commit; PostgreSQL reclaims their space
// (and overwrites it) when it vacuums.
func (db *DB) Load(ctx context.Context, records store.Records, opts store.LoadOptions) (store.LoadStats, error) {
	conn, err := db.db.Conn(ctx)
	if err == nil {
		err = conn.PingContext(ctx)
	}
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return store.LoadStats{}, fmt.Errorf("postgres: load: %w", db.primaryDown(err))
	}
	defer conn.Close()
	var stats store.LoadStats
	err = conn.Raw(func(driverConn any) error {
		var err error
		stats, err = db.load(ctx, driverConn.(*stdlib.Conn).Conn(), records, opts)
		return err
	})
	if err != nil {
		return store.LoadStats{}, err
	}
	return stats, nil
}

func (db *DB) load(ctx context.Context, conn *pgx.Conn, records store.Records, opts store.LoadOptions) (store.LoadStats, error) {
	var stats store.LoadStats
	tx, err := conn.Begin(ctx)
	if err != nil {
		return stats, fmt.Errorf("postgres: load: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, stageTable); err != nil {
		return stats, fmt.Errorf("postgres: load: %w", err)
	}
	src := &stageSource{norm: db.norm}
	src.next, src.stop = iter.Pull2(records)
	defer src.stop()
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"stage"}, stageColumns, src); err != nil {
		return stats, fmt.Errorf("postgres: load: copy: %w", err)
	}
	stats.Read = src.read
	if errs := append(src.errs, db.duplicates(ctx, tx)...); len(errs) > 0 {
		return store.LoadStats{}, errors.Join(errs...)
	}
	if err := db.apply(ctx, tx, opts, &stats); err != nil {
		return store.LoadStats{}, fmt.Errorf("postgres: load: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return store.LoadStats{}, fmt.Errorf("postgres: load: commit: %w", err)
	}
	return stats, nil
}

// duplicates reports the external ids more than one staged record names, with both places.
func (db *DB) duplicates(ctx context.Context, tx pgx.Tx) []error {
	rows, err := tx.Query(ctx, `SELECT external_id, (array_agg(place ORDER BY ord))[1:2] FROM stage
		GROUP BY external_id HAVING count(*) > 1 ORDER BY min(ord) LIMIT $1`, maxLoadErrors)
	if err != nil {
		return []error{fmt.Errorf("postgres: load: %w", err)}
	}
	defer rows.Close()
	var errs []error
	for rows.Next() {
		var id string
		var places []string
		if err := rows.Scan(&id, &places); err != nil {
			return append(errs, fmt.Errorf("postgres: load: %w", err))
		}
		errs = append(errs, store.DuplicateError(store.Record{Customer: store.Customer{ExternalID: id}, Place: places[1]}, places[0]))
	}
	if err := rows.Err(); err != nil {
		errs = append(errs, fmt.Errorf("postgres: load: %w", err))
	}
	return errs
}

// apply classifies the staged records, counts what they do and does it.
func (db *DB) apply(ctx context.Context, tx pgx.Tx, opts store.LoadOptions, stats *store.LoadStats) error {
	steps := append([]string{}, applySQL.classify...)
	if opts.Replace {
		steps = append(steps, applySQL.gone...)
	}
	for _, q := range steps {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	if opts.Replace {
		var gone, stored int
		if err := tx.QueryRow(ctx, "SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM customers)").Scan(&gone, &stored); err != nil {
			return err
		}
		if err := opts.MaxDelete.Check(gone, stored); err != nil {
			return err
		}
	}
	if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE action = 'add'), count(*) FILTER (WHERE action = 'change'),
		count(*) FILTER (WHERE action = 'same'), count(*) FILTER (WHERE action = 'delete'), count(*) FILTER (WHERE action = 'unknown')
		FROM stage`).Scan(&stats.Added, &stats.Changed, &stats.Unchanged, &stats.Deleted, &stats.Unknown); err != nil {
		return err
	}
	if stats.Unknown > 0 {
		rows, err := tx.Query(ctx, "SELECT external_id FROM stage WHERE action = 'unknown' ORDER BY ord LIMIT $1", store.MaxReportedIDs)
		if err != nil {
			return err
		}
		if stats.UnknownIDs, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
	}
	steps = []string{droppedTable}
	if opts.Replace {
		steps = append(steps, "INSERT INTO dropped SELECT external_id, false FROM gone")
	}
	steps = append(append(append(steps, applySQL.remove...), applySQL.upsert), applySQL.keys...)
	for _, q := range steps {
		tag, err := tx.Exec(ctx, q)
		if err != nil {
			return err
		}
		if q == "INSERT INTO dropped SELECT external_id, false FROM gone" {
			stats.Deleted += int(tag.RowsAffected())
		}
	}
	return nil
}

// stageSource feeds COPY from the records: one row per good record, the bad ones collected
// (reading goes on past one, copying nothing more, so that up to maxLoadErrors are reported).
type stageSource struct {
	norm *store.Normalizer
	next func() (store.Record, error, bool)
	stop func()
	read int
	errs []error
	row  []any
}

func (s *stageSource) Next() bool {
	for {
		r, err, ok := s.next()
		if !ok || len(s.errs) >= maxLoadErrors {
			if ok {
				s.errs = append(s.errs, fmt.Errorf("stopped after %d bad records", maxLoadErrors))
			}
			return false
		}
		if err != nil {
			s.errs = append(s.errs, err)
			continue
		}
		s.read++
		if len(s.errs) > 0 {
			continue
		}
		s.row = s.stage(r)
		return true
	}
}

func (s *stageSource) Values() ([]any, error) { return s.row, nil }

func (s *stageSource) Err() error { return nil }

// stage is the stage row of one record.
func (s *stageSource) stage(r store.Record) []any {
	c := &r.Customer
	empty := []string{}
	if r.Deleted {
		return []any{s.read, c.ExternalID, r.Place, true, "", "", []byte{}, "", empty, empty, empty, empty, empty, empty, empty, empty, []int64{}, empty}
	}
	k := s.norm.Keys(c)
	c.Transactions = transactions.Newest(c.Transactions, -1)
	attrNames, attrValues := []string{}, []string{}
	for name, v := range k.Attributes {
		attrNames, attrValues = append(attrNames, name), append(attrValues, v)
	}
	idFields, idValues := []string{}, []string{}
	for _, ident := range k.Identifiers {
		idFields, idValues = append(idFields, ident[0]), append(idValues, ident[1])
	}
	types, times, wires := make([]string, len(c.Transactions)), make([]int64, len(c.Transactions)), make([]string, len(c.Transactions))
	for i, tx := range c.Transactions {
		types[i], times[i], wires[i] = string(tx.Type()), tx.Date().UnixMicro(), string(tx.Wire())
	}
	return []any{s.read, c.ExternalID, r.Place, false, c.Name, c.Address, sqlshared.EncodeDetails(c), store.Fingerprint(c),
		nonNil(k.Emails), nonNil(k.Phones), nonNil(k.NameWords), attrNames, attrValues, idFields, idValues, types, times, wires}
}

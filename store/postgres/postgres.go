// Package postgres is a Store on PostgreSQL — sqlx over pgx v5's database/sql driver — so that
// several adaptor replicas can answer from one shared system of record.
//
// store.dsn is a PostgreSQL connection string (postgres://user@host:5432/db?sslmode=…); the
// schema lives in the connection's search_path. Open checks that the server answers; Migrate
// creates or upgrades the schema, and several replicas may run it at once.
//
// The SQL keeps to a subset that PostgreSQL-compatible distributed engines (CockroachDB,
// YugabyteDB, Citus) also speak, so that moving to one is a configuration change, not a rewrite:
//
//   - natural keys (the external id), never sequences or SERIAL, and explicit
//     ON CONFLICT (columns) for upserts;
//   - no advisory locks, LISTEN/NOTIFY, triggers, stored procedures or extensions: replicas
//     racing to migrate are told apart by the primary key of schema_migrations;
//   - short read statements, retried on a serialization failure (SQLSTATE 40001);
//   - a load is one transaction that streams its records with COPY into temporary tables
//     (ON COMMIT DROP) and applies them with set-based statements.
//
// Only PostgreSQL 15 is tested. Known gaps on the others: a load is one transaction of the
// whole file and is not retried (its records are read once; rerunning `seed` is safe, it is
// idempotent), which a serializable engine may abort under contention; COLLATE "C" columns and
// temporary tables need checking against each engine's support.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the pgx driver, so sqlx binds $N placeholders
	"github.com/jmoiron/sqlx"
	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlshared"
)

// Compile-time checks that DB provides the contract and its optional abilities.
var (
	_ store.Store    = (*DB)(nil)
	_ store.Loader   = (*DB)(nil)
	_ store.Pinger   = (*DB)(nil)
	_ store.Migrator = (*DB)(nil)
	_ store.Exporter = (*DB)(nil)
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options configure Open.
type Options struct {
	// DSN is a PostgreSQL connection string (store.dsn).
	DSN string
	// Normalizer puts phone numbers in E.164 form when customers are loaded.
	Normalizer *store.Normalizer
	// MaxOpenConns bounds each connection pool (store.max_open_conns); 0 means 10.
	MaxOpenConns int
	// ReadDSNs are the databases lookups read from (store.read_dsns): standbys, or the primary
	// itself. Without them lookups read from DSN.
	ReadDSNs []string
	// MaxReplicaLag is how far behind a reader may fall and still answer lookups
	// (store.max_replica_lag); 0 means store.DefaultMaxReplicaLag.
	MaxReplicaLag time.Duration
	// ProbeInterval is how often the readers are checked; 0 means DefaultProbeInterval.
	ProbeInterval time.Duration
	// Log receives the readers' changes of state; nil means none are logged.
	Log *zap.Logger
}

// DefaultMaxOpenConns is the pool size when Options.MaxOpenConns is 0.
const DefaultMaxOpenConns = 10

// DB is a Store over a PostgreSQL database, its primary, and optionally standbys that lookups
// read from. It is safe for concurrent use; after a database was unreachable, its pool
// reconnects by itself.
type DB struct {
	db          *sqlx.DB // the primary: writes, exports, and lookups when no reader answers
	primaryName string   // host:port, for errors
	norm        *store.Normalizer
	readers     *readerSet // nil without Options.ReadDSNs
}

// Open connects to the primary and checks that it answers. With readers it opens them too and
// starts checking them; then a primary that does not answer is no error while a reader does,
// so that lookups go on while the primary is lost.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if strings.TrimSpace(opts.DSN) == "" {
		return nil, errors.New("postgres: store.dsn must be a PostgreSQL connection string, as in postgres://user@127.0.0.1:5432/lookup?sslmode=disable")
	}
	primary, err := openPool(opts.DSN, opts.MaxOpenConns)
	if err != nil {
		return nil, fmt.Errorf("postgres: store.dsn: %w", err)
	}
	db := &DB{db: primary, primaryName: hostPort(opts.DSN), norm: opts.Normalizer}
	if len(opts.ReadDSNs) > 0 {
		if db.readers, err = openReaders(opts); err != nil {
			db.Close()
			return nil, err
		}
	}
	perr := primary.PingContext(ctx)
	if db.readers == nil {
		if perr != nil {
			db.Close()
			return nil, fmt.Errorf("postgres: %w", perr)
		}
		return db, nil
	}
	// Check the readers once before the first lookup, then every interval in the background.
	db.readers.check(db.db)
	if perr != nil { // serve from the readers, if one answers
		if len(db.readers.healthy()) == 0 {
			db.Close()
			return nil, fmt.Errorf("postgres: neither the primary %s (store.dsn) nor any of store.read_dsns answers: %w", db.primaryName, perr)
		}
		db.readers.log.Warn("the primary does not answer; lookups read from the readers", zap.String("primary", db.primaryName), zap.Error(perr))
	}
	db.readers.started = true
	go db.readers.run(db.db)
	return db, nil
}

// openPool opens a connection pool of at most n connections (0: DefaultMaxOpenConns).
func openPool(dsn string, n int) (*sqlx.DB, error) {
	db, err := sqlx.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		n = DefaultMaxOpenConns
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// openReaders opens a pool for each of opts.ReadDSNs, each counted up until its first check.
func openReaders(opts Options) (*readerSet, error) {
	steps, err := sqlshared.Migrations(migrations)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	rs := &readerSet{maxLag: opts.MaxReplicaLag, interval: opts.ProbeInterval, latest: sqlshared.Latest(steps),
		log: opts.Log, stop: make(chan struct{}), done: make(chan struct{})}
	if rs.maxLag <= 0 {
		rs.maxLag = store.DefaultMaxReplicaLag
	}
	if rs.interval <= 0 {
		rs.interval = DefaultProbeInterval
	}
	if rs.log == nil {
		rs.log = zap.NewNop()
	}
	for i, dsn := range opts.ReadDSNs {
		pool, err := openPool(dsn, opts.MaxOpenConns)
		if err != nil {
			for _, r := range rs.list {
				r.db.Close()
			}
			return nil, fmt.Errorf("postgres: store.read_dsns[%d]: %w", i, err)
		}
		r := &reader{name: hostPort(dsn), db: pool}
		r.up.Store(true)
		rs.list = append(rs.list, r)
	}
	return rs, nil
}

// Close stops checking the readers and closes every pool.
func (db *DB) Close() error {
	if rs := db.readers; rs != nil {
		select {
		case <-rs.stop:
		default:
			close(rs.stop)
			if rs.started {
				<-rs.done
			}
		}
		for _, r := range rs.list {
			r.db.Close()
		}
	}
	return db.db.Close()
}

// Ping reports whether lookups can be answered: a reader, or else the primary, answers a query
// about the schema.
func (db *DB) Ping(ctx context.Context) error {
	err := db.read(ctx, func(ctx context.Context, q *sqlx.DB) error {
		var one int
		return q.GetContext(ctx, &one, "SELECT 1 FROM schema_migrations LIMIT 1")
	})
	if err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Migrate applies the embedded migrations the database lacks, each in its own transaction, and
// returns how many it applied. A replica that loses the race to apply one to another finds it
// applied and goes on. A schema already up to date costs one read and no DDL, so that a role
// that may only read can serve it.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	steps, err := sqlshared.Migrations(migrations)
	if err != nil {
		return 0, fmt.Errorf("postgres: %w", err)
	}
	current, err := sqlshared.SchemaVersion(ctx, db.db, steps)
	if unavailable(err) && db.readers != nil {
		return 0, db.schemaOnReader(ctx, steps, err)
	}
	switch {
	case errors.Is(err, sqlshared.ErrNewerSchema):
		return 0, fmt.Errorf("postgres: migrate: %w", err)
	case err == nil && current == sqlshared.Latest(steps):
		return 0, nil
	}
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil && !raced(err) {
		if sqlState(err) == "42501" { // insufficient privilege
			return 0, fmt.Errorf("postgres: migrate: the schema needs migrating and this role may not create tables (%w): run lookup-adaptor migrate as the role that owns the schema", err)
		}
		return 0, fmt.Errorf("postgres: migrate: %w", err)
	}
	if _, err := sqlshared.SchemaVersion(ctx, db.db, steps); err != nil {
		return 0, fmt.Errorf("postgres: migrate: %w", err)
	}
	applied := 0
	for _, m := range steps {
		did, err := db.applyMigration(ctx, m.Version, m.Script)
		if err != nil && !raced(err) {
			return applied, fmt.Errorf("postgres: migration %s: %w", m.Name, err)
		}
		if did && err == nil {
			applied++
		}
	}
	return applied, nil
}

// schemaOnReader is Migrate while the primary does not answer (primaryErr): nothing can be
// migrated, but serve may start from a reader whose schema is this build's.
func (db *DB) schemaOnReader(ctx context.Context, steps []sqlshared.Migration, primaryErr error) error {
	var current int
	err := db.read(ctx, func(ctx context.Context, q *sqlx.DB) (err error) {
		current, err = sqlshared.SchemaVersion(ctx, q, steps)
		return err
	})
	if err != nil || current != sqlshared.Latest(steps) {
		return fmt.Errorf("postgres: migrate: %w", db.primaryDown(primaryErr))
	}
	db.readers.log.Warn("the primary does not answer; the schema was checked on a reader, not migrated", zap.String("primary", db.primaryName))
	return nil
}

// applyMigration runs one migration unless it was applied already.
func (db *DB) applyMigration(ctx context.Context, version int, script string) (bool, error) {
	tx, err := db.db.BeginTxx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var done int
	if err := tx.GetContext(ctx, &done, "SELECT count(*) FROM schema_migrations WHERE version = $1", version); err != nil || done > 0 {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, script); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version) VALUES ($1)", version); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// raced reports an error from another replica doing the same DDL at the same moment.
func raced(err error) bool {
	switch sqlState(err) {
	case "23505", "42P07", "42710": // unique violation, duplicate table, duplicate object
		return true
	}
	return false
}

func sqlState(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code
	}
	return ""
}

// retry runs a read up to three times while it fails with a serialization failure (40001),
// which distributed engines return under contention.
func retry(ctx context.Context, read func() error) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = read(); sqlState(err) != "40001" || ctx.Err() != nil {
			return err
		}
	}
	return err
}

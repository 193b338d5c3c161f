// Package sqlite is the default Store: an embedded SQLite database (sqlx over go-sqlite3) with
// versioned migrations, one index table per way of finding a customer, WAL mode, a busy timeout,
// a pool of read-only connections and a single writer.
//
// The database is a file: store.dsn is its path or a file: URI. Open with Create set (migrate,
// seed) makes the file if it is missing; without it (serve) a missing file is an error, so a
// mistyped path cannot silently serve an empty store.
package sqlite

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	_ "github.com/mattn/go-sqlite3" // registers the sqlite3 driver

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// Compile-time checks that DB provides the contract and its optional abilities.
var (
	_ store.Store    = (*DB)(nil)
	_ store.Loader   = (*DB)(nil)
	_ store.Pinger   = (*DB)(nil)
	_ store.Migrator = (*DB)(nil)
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options configure Open.
type Options struct {
	// DSN is a file path or a file: URI (store.dsn).
	DSN string
	// Normalizer puts phone numbers in E.164 form when customers are loaded.
	Normalizer *store.Normalizer
	// Create makes the database file (and its directory) when it is missing.
	Create bool
	// ReadConns bounds the read pool; 0 means twice the number of CPUs, at least 4.
	ReadConns int
}

// DB is a Store over one SQLite file. It is safe for concurrent use.
type DB struct {
	w    *sqlx.DB // the one writer connection
	r    *sqlx.DB // read-only pool
	norm *store.Normalizer
	path string
}

// Open opens (and with opts.Create, creates) the database. Call Migrate before using it.
func Open(ctx context.Context, opts Options) (*DB, error) {
	path, params := splitDSN(opts.DSN)
	if path == "" || path == ":memory:" {
		return nil, errors.New("sqlite: store.dsn must name a database file")
	}
	if _, err := os.Stat(path); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("sqlite: database %s: %w", path, err)
		}
		if !opts.Create {
			return nil, fmt.Errorf("sqlite: database %s does not exist; create it with `lookup-adaptor migrate` or load it with `lookup-adaptor seed`", path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	mode := "rw"
	if opts.Create {
		mode = "rwc"
	}
	w, err := connect(ctx, path, params, "mode="+mode+"&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate&_cache_size=-65536", 1)
	if err != nil {
		return nil, err
	}
	conns := opts.ReadConns
	if conns <= 0 {
		conns = max(4, 2*runtime.GOMAXPROCS(0))
	}
	// Query shapes are few, so each read connection keeps its prepared statements.
	r, err := connect(ctx, path, params, "mode=ro&_stmt_cache_size=128", conns)
	if err != nil {
		w.Close()
		return nil, err
	}
	return &DB{w: w, r: r, norm: opts.Normalizer, path: path}, nil
}

// connect opens a pool of at most n connections and checks that it answers.
func connect(ctx context.Context, path, params, extra string, n int) (*sqlx.DB, error) {
	dsn := "file:" + path + "?" + extra + "&_busy_timeout=5000"
	if params != "" {
		dsn += "&" + params
	}
	db, err := sqlx.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

// splitDSN separates a store.dsn into the file path and any URI parameters.
func splitDSN(dsn string) (path, params string) {
	path, params, _ = strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	return path, params
}

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.r.Close(), db.w.Close())
}

// Ping reports whether the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.r.GetContext(ctx, &one, "SELECT 1 FROM schema_migrations LIMIT 1"); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Migrate applies the embedded migrations the database lacks, each in its own transaction, and
// returns how many it applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return 0, fmt.Errorf("sqlite: migrate: %w", err)
	}
	var current int
	if err := db.w.GetContext(ctx, &current, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"); err != nil {
		return 0, fmt.Errorf("sqlite: migrate: %w", err)
	}
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return 0, err
	}
	sort.Strings(files)
	applied := 0
	for _, f := range files {
		version, err := strconv.Atoi(strings.SplitN(filepath.Base(f), "_", 2)[0])
		if err != nil {
			return applied, fmt.Errorf("sqlite: migration %s: bad name", f)
		}
		if version <= current {
			continue
		}
		script, err := migrations.ReadFile(f)
		if err != nil {
			return applied, err
		}
		if err := db.apply(ctx, version, string(script)); err != nil {
			return applied, fmt.Errorf("sqlite: migration %s: %w", f, err)
		}
		applied++
	}
	return applied, nil
}

func (db *DB) apply(ctx context.Context, version int, script string) error {
	tx, err := db.w.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, script); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version) VALUES (?)", version); err != nil {
		return err
	}
	return tx.Commit()
}

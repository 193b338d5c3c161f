package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/jmoiron/sqlx"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlshared"
)

//go:embed migrations/*.sql
var migrations embed.FS

// file is one opened database file: its writer, its read pool, and the identity of the file they
// opened, by which a replacement is noticed.
type file struct {
	w    *sqlx.DB // the one writer connection
	r    *sqlx.DB // read-only pool
	norm *store.Normalizer
	info os.FileInfo
	// wal and shm are the WAL and shared-memory files its connections use, nil when missing.
	// SQLite finds them by name beside the path, and cannot remove them once the file has been
	// moved away; reopen does, so that the file moved in never reads them.
	wal, shm os.FileInfo
	// recent holds the customers of the latest detailed lookups (recent.go).
	recent *recent
	// readConns is the read pool's size.
	readConns int
	// closed is set by close. Once closed, its inode may be reused by another file, so info
	// no longer identifies anything.
	closed atomic.Bool
	// retired is set when the file at the path was replaced: calls that find this file no
	// longer answer from it (errRetired); users, the long calls still on it, are waited for
	// before it is closed.
	retired atomic.Bool
	users   sync.WaitGroup
	// replaced is cancelled (retire) when the file is replaced, to stop the long calls on it.
	replaced context.Context
	retire   context.CancelFunc
}

// errReplacedDuring is the error of a long call (a load, an export) stopped because its file
// was replaced while it ran.
var errReplacedDuring = errors.New("sqlite: the database file was replaced while this ran, so it was stopped; nothing it wrote is kept. Run it again")

// errRetired is the error of a call that finds the file replaced by one that cannot be opened.
var errRetired = errors.New("sqlite: the database file was replaced by one that cannot be opened yet; lookups fail until it can (readiness says why)")

// openFile opens the pools on path; the file exists unless opts.Create.
func openFile(ctx context.Context, path, params string, opts Options) (*file, error) {
	mode := "rw"
	if opts.Create {
		mode = "rwc"
	}
	// The writer's page cache is 16 MiB. A load's sorts (building indexes) take buffers sized by
	// it, on each of its threads: at 64 MiB, seeding 1,000,000 customers x 20 transactions
	// peaked at 386 MB of RSS; at 16 MiB, 225 MB (162 MB with seed's memory limit), as fast.
	w, err := connect(ctx, path, params, "mode="+mode+"&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate&_cache_size=-16384&_secure_delete=on", 1)
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
	info, err := os.Stat(path)
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	wal, _ := os.Stat(path + "-wal") // missing only if the file is not in WAL mode: nothing to remove later
	shm, _ := os.Stat(path + "-shm")
	replaced, retire := context.WithCancel(context.Background())
	return &file{w: w, r: r, readConns: conns, norm: opts.Normalizer, info: info, wal: wal, shm: shm,
		recent: newRecent(recentCustomers), replaced: replaced, retire: retire}, nil
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
	// Every connection is opened now, and kept: one the pool opened later would open the path,
	// and once another file has been moved there (see DB), it would read that file while its
	// siblings still read this one.
	held := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range n {
		c, err := db.Conn(ctx)
		if err == nil {
			err = c.PingContext(ctx)
		}
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		held = append(held, c)
	}
	return db, nil
}

// close closes both pools, once: the read pool first, so that the writer is the last
// connection and removes the WAL as it closes (a read-only one cannot).
func (db *file) close() error {
	if db.closed.Swap(true) {
		return nil
	}
	return errors.Join(db.r.Close(), db.w.Close())
}

// ping reports whether the database answers a query about its own schema.
func (db *file) ping(ctx context.Context) error {
	var one int
	if err := db.r.GetContext(ctx, &one, "SELECT 1 FROM schema_migrations LIMIT 1"); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// migrate applies the embedded migrations the database lacks (see DB.Migrate).
func (db *file) migrate(ctx context.Context) (int, error) {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return 0, fmt.Errorf("sqlite: migrate: %w", err)
	}
	steps, err := sqlshared.Migrations(migrations)
	if err != nil {
		return 0, fmt.Errorf("sqlite: %w", err)
	}
	current, err := sqlshared.SchemaVersion(ctx, db.w, steps)
	if err != nil {
		return 0, fmt.Errorf("sqlite: migrate: %w", err)
	}
	applied := 0
	for _, m := range steps {
		if m.Version <= current {
			continue
		}
		if err := db.apply(ctx, m.Version, m.Script); err != nil {
			return applied, fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
		applied++
	}
	return applied, nil
}

func (db *file) apply(ctx context.Context, version int, script string) error {
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

// Package sqlite is the default Store: an embedded SQLite database (sqlx over go-sqlite3) with
// versioned migrations, one index table per way of finding a customer, WAL mode, a busy timeout,
// a pool of read-only connections and a single writer.
//
// The database is a file: store.dsn is its path or a file: URI. Open with Create set (migrate,
// seed) makes the file if it is missing; without it (serve) a missing file is an error, so a
// mistyped path cannot silently serve an empty store.
//
// A DB keeps watching its file (Options.WatchInterval, and on every Ping). A file that was
// deleted or made unreadable makes Ping fail, so readiness checks see it within seconds. A file
// that was replaced — a database built elsewhere and moved into place with mv — is reopened:
// calls under way finish on the old file, calls arriving meanwhile wait a moment, and every
// call after that answers from the new one. SQLite finds a WAL file by name, so the old file is
// closed, and the WAL and shared-memory files it used are removed, before the new one is opened.
// Move only a database no process has open (as `lookup-adaptor seed` leaves it when it exits).
package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the sqlite3 driver
	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// Compile-time checks that DB provides the contract and its optional abilities.
var (
	_ store.Store    = (*DB)(nil)
	_ store.Loader   = (*DB)(nil)
	_ store.Pinger   = (*DB)(nil)
	_ store.Migrator = (*DB)(nil)
	_ store.Exporter = (*DB)(nil)
)

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
	// WatchInterval is how often the file is checked for deletion, replacement or lost read
	// permission; 0 checks only on Ping.
	WatchInterval time.Duration
	// Log receives a line when the file is reopened or found missing; nil logs nothing.
	Log *zap.Logger
}

// DB is a Store over one SQLite file. It is safe for concurrent use.
type DB struct {
	opts         Options
	path, params string

	mu sync.RWMutex // held for reading across a lookup on f, and for writing to swap f
	f  *file

	created    bool   // Open made the file
	createdDir string // the directory Open made for it, if any

	closeOnce sync.Once // Close runs once, whoever calls it (Abandon does too)
	closeErr  error

	checkMu sync.Mutex // one file check at a time; guards problem
	problem error      // what the last check found wrong, to log only changes
	stop    chan struct{}
	stopped chan struct{}
}

// Open opens (and with opts.Create, creates) the database. Call Migrate before using it.
func Open(ctx context.Context, opts Options) (*DB, error) {
	path, params := splitDSN(opts.DSN)
	if path == "" || path == ":memory:" {
		return nil, errors.New("sqlite: store.dsn must name a database file")
	}
	created, createdDir := false, ""
	if _, err := os.Stat(path); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("sqlite: database %s: %w", path, err)
		}
		created = true
		if !opts.Create {
			return nil, fmt.Errorf("sqlite: database %s does not exist; create it with `lookup-adaptor migrate` or load it with `lookup-adaptor seed`", path)
		}
		if _, err := os.Stat(filepath.Dir(path)); errors.Is(err, fs.ErrNotExist) {
			createdDir = filepath.Dir(path)
		}
		// The store holds personal data: private to its owner whatever the umask, and SQLite
		// gives its -wal and -shm files the database's permissions.
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		f.Close()
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	f, err := openFile(ctx, path, params, opts)
	if err != nil {
		if created { // leave nothing behind for a mistyped path to find later
			_ = os.Remove(path)
			if createdDir != "" {
				_ = os.Remove(createdDir)
			}
		}
		return nil, err
	}
	db := &DB{opts: opts, path: path, params: params, f: f, created: created, createdDir: createdDir, stop: make(chan struct{}), stopped: make(chan struct{})}
	go db.watch()
	return db, nil
}

// splitDSN separates a store.dsn into the file path and any URI parameters.
func splitDSN(dsn string) (path, params string) {
	path, params, _ = strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	return path, params
}

// use returns the open file for one lookup, and the function that ends it. The lookup holds
// the read lock, so a swap waits for the lookups under way (milliseconds) and every lookup
// after it answers from the new file: none answers old data after another answered new.
func (db *DB) use() (f *file, done func(), err error) {
	db.mu.RLock()
	if db.f.retired.Load() {
		db.mu.RUnlock()
		return nil, nil, errRetired
	}
	return db.f, db.mu.RUnlock, nil
}

// useLong is use for a call that may take minutes (a load, an export, a migration). It holds
// no lock, so that lookups never wait for it; it is counted among the file's users instead, and
// runs with the context it returns, which a swap cancels (errReplacedDuring): the call stops,
// and so lets go of the replaced file, which must be closed before its replacement is opened
// (watch.go). What a load had written is rolled back, never left in a file no longer served.
func (db *DB) useLong(ctx context.Context) (*file, context.Context, func(), error) {
	db.mu.RLock()
	f := db.f
	if f.retired.Load() {
		db.mu.RUnlock()
		return nil, nil, nil, errRetired
	}
	f.users.Add(1)
	db.mu.RUnlock()
	ctx, cancel := context.WithCancelCause(ctx)
	unhook := context.AfterFunc(f.replaced, func() { cancel(errReplacedDuring) })
	return f, ctx, func() { unhook(); cancel(nil); f.users.Done() }, nil
}

// longErr is err from a long call that ran with ctx (useLong's), naming the swap that stopped it.
func longErr(ctx context.Context, err error) error {
	if err != nil && errors.Is(context.Cause(ctx), errReplacedDuring) {
		return fmt.Errorf("%w (%v)", errReplacedDuring, err)
	}
	return err
}

// lookup runs one lookup on the open file (see use).
func lookup[T any](db *DB, fn func(*file) (T, error)) (T, error) {
	f, done, err := db.use()
	if err != nil {
		var none T
		return none, err
	}
	defer done()
	return fn(f)
}

// Link implements store.Store.
func (db *DB) Link(ctx context.Context, q store.Link) ([]store.Customer, error) {
	return lookup(db, func(f *file) ([]store.Customer, error) { return f.Link(ctx, q) })
}

// Search implements store.Store.
func (db *DB) Search(ctx context.Context, q store.Search) ([]store.Customer, error) {
	return lookup(db, func(f *file) ([]store.Customer, error) { return f.Search(ctx, q) })
}

// Customer implements store.Store. The customers of the latest detailed lookups are kept and
// handed out again while the store is unchanged (recent.go): the Customer returned may be
// shared with other calls, and must not be changed.
func (db *DB) Customer(ctx context.Context, externalID string, maxTransactions int) (store.Customer, error) {
	return lookup(db, func(f *file) (store.Customer, error) { return f.Customer(ctx, externalID, maxTransactions) })
}

// Load implements store.Loader.
func (db *DB) Load(ctx context.Context, records store.Records, opts store.LoadOptions) (store.LoadStats, error) {
	f, ctx, done, err := db.useLong(ctx)
	if err != nil {
		return store.LoadStats{}, err
	}
	defer done()
	stats, err := f.Load(ctx, records, opts)
	return stats, longErr(ctx, err)
}

// Export implements store.Exporter.
func (db *DB) Export(ctx context.Context) iter.Seq2[store.Customer, error] {
	return func(yield func(store.Customer, error) bool) {
		f, ctx, done, err := db.useLong(ctx)
		if err != nil {
			yield(store.Customer{}, err)
			return
		}
		defer done()
		f.export(ctx, func(c store.Customer, err error) bool { return yield(c, longErr(ctx, err)) })
	}
}

// Migrate applies the embedded migrations the database lacks, each in its own transaction, and
// returns how many it applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	f, ctx, done, err := db.useLong(ctx)
	if err != nil {
		return 0, err
	}
	defer done()
	n, err := f.migrate(ctx)
	return n, longErr(ctx, err)
}

// Ping reports whether the database answers a query from the file at the configured path: a
// deleted or unreadable file is an error, a replaced one is reopened first.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.checkFile(ctx); err != nil {
		return err
	}
	f, done, err := db.use()
	if err != nil {
		return err
	}
	defer done()
	return f.ping(ctx)
}

// Abandon closes the database and, if this Open created its file, removes the file again, so
// that a command that failed leaves no new database behind (which serve would then serve).
func (db *DB) Abandon() error {
	err := db.Close()
	if !db.created {
		return err
	}
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if rmErr := os.Remove(db.path + suffix); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			err = errors.Join(err, rmErr)
		}
	}
	if db.createdDir != "" {
		_ = os.Remove(db.createdDir) // only if still empty; a directory in use stays
	}
	return err
}

// Close stops watching the file and closes the database; closing again returns the same.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		close(db.stop)
		<-db.stopped
		db.mu.Lock()
		f := db.f
		db.mu.Unlock()
		f.users.Wait()
		db.closeErr = f.close()
	})
	return db.closeErr
}

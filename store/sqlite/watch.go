package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"go.uber.org/zap"
)

// watch checks the file every WatchInterval until Close.
func (db *DB) watch() {
	defer close(db.stopped)
	if db.opts.WatchInterval <= 0 {
		<-db.stop
		return
	}
	tick := time.NewTicker(db.opts.WatchInterval)
	defer tick.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = db.checkFile(ctx) // Ping reports the finding; reopening is the point here
			cancel()
		}
	}
}

// checkFile compares the file at the configured path with the one the pools hold open. A file
// that is gone or unreadable is an error. A different file (replaced by a rename) is reopened:
// the old pools close first — calls under way finish, new calls wait — because SQLite finds
// the WAL by name, and the two files must never share it.
func (db *DB) checkFile(ctx context.Context) error {
	db.checkMu.Lock()
	defer db.checkMu.Unlock()
	err := db.inspect(ctx)
	switch {
	case err != nil && (db.problem == nil || err.Error() != db.problem.Error()):
		db.opts.Log.Error("database file cannot be served", zap.Error(err))
	case err == nil && db.problem != nil:
		db.opts.Log.Info("database file can be served again", zap.String("path", db.path))
	}
	db.problem = err
	return err
}

// inspect is checkFile's work, with checkMu held.
func (db *DB) inspect(ctx context.Context) error {
	info, err := os.Stat(db.path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: database file %s is gone", db.path)
	}
	if err != nil {
		return fmt.Errorf("sqlite: database file %s: %w", db.path, err)
	}
	if err := readable(db.path, info); err != nil {
		return err
	}
	db.mu.RLock()
	f := db.f
	db.mu.RUnlock()
	if !f.retired.Load() && !f.closed.Load() && os.SameFile(info, f.info) {
		return nil
	}
	return db.reopen(ctx)
}

// readable reports whether the file can be read: opened (which fails for an ordinary user
// without permission) and, since root reads whatever the permissions say, allowing some read.
func readable(path string, info os.FileInfo) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sqlite: database file %s is not readable: %w", path, err)
	}
	f.Close()
	if info.Mode().Perm()&0o444 == 0 {
		return fmt.Errorf("sqlite: database file %s is not readable (mode %s)", path, info.Mode().Perm())
	}
	return nil
}

// reopen swaps the open file for the one now at the path, migrated as serve would.
//
// SQLite finds a database's WAL and shared-memory files by name, beside the path, and once the
// file has been moved away its connections can no longer remove them: a connection opening the
// new file would read the old file's pages out of them. So the old file is closed first —
// lookups under way finish and the ones arriving wait (milliseconds), a long call on it (a load,
// an export) is stopped — and the WAL and shared-memory files its connections used are removed
// before the new file is opened. A process still at work on the old file keeps them, unlinked:
// it goes on in a file no longer served. If the new file cannot be opened, calls fail (503) until
// a good file is in place.
func (db *DB) reopen(ctx context.Context) error {
	db.mu.Lock() // use holds the read lock across a lookup, useLong while it counts a user
	defer db.mu.Unlock()
	old := db.f // retired already when an earlier attempt failed; removing is tried again
	if old.retired.CompareAndSwap(false, true) {
		old.retire() // stops the long calls on it (useLong)
		old.users.Wait()
		_ = old.close() // a failed close leaves nothing to do; the old pools are unusable either way
	}
	for suffix, used := range map[string]os.FileInfo{"-wal": old.wal, "-shm": old.shm} {
		if err := removeIfSame(db.path+suffix, used); err != nil {
			return fmt.Errorf("sqlite: database file %s was replaced; removing the replaced file's %s: %w", db.path, suffix, err)
		}
	}
	opts := db.opts
	opts.Create = false
	f, err := openFile(ctx, db.path, db.params, opts)
	if err != nil {
		return fmt.Errorf("sqlite: database file %s was replaced and cannot be opened: %w", db.path, err)
	}
	err = f.ping(ctx) // a file without our schema is not a database to serve
	if err == nil {
		_, err = f.migrate(ctx)
	}
	if err != nil {
		f.close()
		return fmt.Errorf("sqlite: database file %s was replaced and cannot be opened: %w", db.path, err)
	}
	db.f = f
	db.opts.Log.Info("database file replaced; reopened", zap.String("path", db.path))
	return nil
}

// removeIfSame removes the file at path if it is used (nil: none), and not a file made since.
func removeIfSame(path string, used os.FileInfo) error {
	if used == nil {
		return nil
	}
	now, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !os.SameFile(now, used) {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

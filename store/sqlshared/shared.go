package sqlshared

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// Migration is one numbered schema step, from a file named <version>_<what>.sql.
type Migration struct {
	Version int
	Name    string
	Script  string
}

// Migrations lists the migrations/*.sql files of fsys in version order.
func Migrations(fsys fs.FS) ([]Migration, error) {
	files, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	out := make([]Migration, 0, len(files))
	for _, f := range files {
		version, err := strconv.Atoi(strings.SplitN(filepath.Base(f), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: bad name", f)
		}
		script, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: version, Name: f, Script: string(script)})
	}
	return out, nil
}

// ErrNewerSchema is the error for a store whose schema is newer than this build's migrations:
// a newer lookup-adaptor migrated it, and this one would misread it.
var ErrNewerSchema = errors.New("the store's schema is newer than this lookup-adaptor knows; run the version that migrated it, or a later one")

// Latest is the version the last of steps brings a schema to; 0 when there are none.
func Latest(steps []Migration) int {
	if len(steps) == 0 {
		return 0
	}
	return steps[len(steps)-1].Version
}

// SchemaVersion reads the version of db's schema (0 for none) from its schema_migrations
// table, and reports ErrNewerSchema, with both versions, when it has a migration that steps
// (this build's) lack.
func SchemaVersion(ctx context.Context, db *sqlx.DB, steps []Migration) (int, error) {
	var current int
	if err := db.GetContext(ctx, &current, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"); err != nil {
		return 0, err
	}
	if known := Latest(steps); current > known {
		return current, fmt.Errorf("%w (the store is at version %d, this build at %d)", ErrNewerSchema, current, known)
	}
	return current, nil
}

// Export streams the customers query selects (with args), each row scanned into an R and
// decoded by customer, from one read transaction of db begun with opts, so that the view is
// consistent. Errors are prefixed with backend ("sqlite", "postgres"); a consumer may stop early.
func Export[R any](ctx context.Context, db *sqlx.DB, opts *sql.TxOptions, backend, query string, args []any,
	customer func(*R) (store.Customer, error), yield func(store.Customer, error) bool) {
	fail := func(err error) { yield(store.Customer{}, fmt.Errorf("%s: export: %w", backend, err)) }
	tx, err := db.BeginTxx(ctx, opts)
	if err != nil {
		fail(err)
		return
	}
	defer tx.Rollback() //nolint:errcheck // read only
	rows, err := tx.QueryxContext(ctx, query, args...)
	if err != nil {
		fail(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var r R
		if err := rows.StructScan(&r); err != nil {
			fail(err)
			return
		}
		c, err := customer(&r)
		if err != nil {
			fail(err)
			return
		}
		if !yield(c, nil) {
			return
		}
	}
	if err := rows.Err(); err != nil {
		fail(err)
	}
}

// SelectAll runs a query and scans every row with scan. The backends' lookups scan field by
// field this way rather than through sqlx's reflection, which cost as much as a tenth of a
// lookup.
func SelectAll[T any](ctx context.Context, db *sqlx.DB, query string, args []any, scan func(*sql.Rows, *T) error) ([]T, error) {
	rs, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []T
	for rs.Next() {
		var v T
		if err := scan(rs, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rs.Err()
}

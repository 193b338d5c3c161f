package postgres

import (
	"context"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// Backend is store.driver "postgres": store.dsn is a PostgreSQL connection string, and
// store.max_open_conns bounds each process's pool. Several serve processes may share one
// database.
var Backend = store.Backend{Name: "postgres", Open: openBackend}

func openBackend(ctx context.Context, o store.OpenOptions) (store.Store, error) {
	if err := o.NoOptions("postgres"); err != nil {
		return nil, err
	}
	db, err := Open(ctx, Options{DSN: o.DSN, Normalizer: o.Normalizer, MaxOpenConns: o.MaxOpenConns})
	if err != nil {
		return nil, err
	}
	return db, nil
}

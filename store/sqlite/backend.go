package sqlite

import (
	"context"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// Backend is store.driver "sqlite": store.dsn is the database file (a path or a file: URI). A
// store opened without OpenOptions.Create — to serve, delete or export — must already exist,
// and is watched every WatchInterval for being deleted, replaced or made unreadable.
var Backend = store.Backend{Name: "sqlite", Open: openBackend}

// WatchInterval is how often a store Backend opens without Create checks its file.
const WatchInterval = time.Second

func openBackend(ctx context.Context, o store.OpenOptions) (store.Store, error) {
	if err := o.NoOptions("sqlite"); err != nil {
		return nil, err
	}
	if err := o.NoReaders("sqlite"); err != nil {
		return nil, err
	}
	opts := Options{DSN: o.DSN, Normalizer: o.Normalizer, Create: o.Create, Log: o.Log}
	if !o.Create {
		opts.WatchInterval = WatchInterval
	}
	db, err := Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	return db, nil
}

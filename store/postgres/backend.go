package postgres

import (
	"context"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// Backend is store.driver "postgres": store.dsn is a PostgreSQL connection string,
// store.max_open_conns bounds each pool of each process, and store.read_dsns and
// store.max_replica_lag name the standbys lookups read from. Several serve processes may share
// one database.
var Backend = store.Backend{Name: "postgres", Open: openBackend}

func openBackend(ctx context.Context, o store.OpenOptions) (store.Store, error) {
	if err := o.NoOptions("postgres"); err != nil {
		return nil, err
	}
	db, err := Open(ctx, Options{DSN: o.DSN, Normalizer: o.Normalizer, MaxOpenConns: o.MaxOpenConns,
		ReadDSNs: o.ReadDSNs, MaxReplicaLag: o.MaxReplicaLag, Log: o.Log})
	if err != nil {
		return nil, err
	}
	return db, nil
}

package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Backend names a store implementation for store.driver and opens it. A program serves its own
// system of record by handing a Backend to cli.Main:
//
//	cli.Main(store.Backend{Name: "acme", Open: acme.Open})
type Backend struct {
	// Name is the store.driver value that selects this backend.
	Name string
	// Open opens the store o describes. It returns an error rather than a store that cannot
	// answer: a store.dsn that names nothing, options it does not understand, a database it
	// cannot reach. The store may implement the optional interfaces of this package (Loader,
	// Exporter, Migrator, Pinger) and io.Closer, which the server calls when it stops.
	Open func(ctx context.Context, o OpenOptions) (Store, error)
}

// OpenOptions is what the server hands a backend when it opens it: the configured store.*
// settings and what the lookups share with the store.
type OpenOptions struct {
	// DSN is store.dsn, as configured: a file, a connection string, a URL — the backend's to
	// interpret.
	DSN string
	// Normalizer puts phone numbers in E.164 form for matching.default_region; the lookups
	// normalise their queries with the same one, so a store that indexes phones must use it.
	Normalizer *Normalizer
	// Options is store.options as configured (nil when there are none). The core passes it on
	// unchecked; the backend validates it and refuses what it does not know (see NoOptions).
	Options map[string]any
	// Create says whether a database that does not exist yet may be created: true for migrate
	// and seed, false for serve, delete and export, which must not mistake a mistyped DSN for
	// an empty store.
	Create bool
	// MaxOpenConns is store.max_open_conns: how many connections a pooled backend keeps.
	MaxOpenConns int
	// ReadDSNs is store.read_dsns: where a replicated backend may read lookups from (standbys,
	// or the primary itself), DSN staying where it writes. Empty for most backends, which
	// refuse it (see NoReaders).
	ReadDSNs []string
	// MaxReplicaLag is store.max_replica_lag: how far behind its primary a reader may be and
	// still answer lookups.
	MaxReplicaLag time.Duration
	// Log receives the backend's own lines (a file replaced, a reader taken out); never nil
	// when the server opens a store.
	Log *zap.Logger
}

// NoOptions is the check of a backend that takes no store.options: an error naming the
// backend and the keys it was given, nil when there are none.
func (o OpenOptions) NoOptions(backend string) error {
	if len(o.Options) == 0 {
		return nil
	}
	keys := make([]string, 0, len(o.Options))
	for k := range o.Options {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return fmt.Errorf("store.options: the %s driver takes no options; remove %s", backend, strings.Join(keys, ", "))
}

// DefaultMaxReplicaLag is store.max_replica_lag's default.
const DefaultMaxReplicaLag = 30 * time.Second

// NoReaders is the check of a backend that reads only from store.dsn: an error naming the
// backend when store.read_dsns is set, nil otherwise.
func (o OpenOptions) NoReaders(backend string) error {
	if len(o.ReadDSNs) == 0 {
		return nil
	}
	return fmt.Errorf("store.read_dsns: the %s driver reads only from store.dsn; remove store.read_dsns (it is for postgres standbys)", backend)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/postgres"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite"
)

// backend opens one kind of store from the configuration; create says whether a missing
// database may be created (migrate, seed) or must already exist (serve, which keeps it open).
type backend func(ctx context.Context, cfg *Config, norm *store.Normalizer, create bool, log *zap.Logger) (store.Store, error)

// backends is every store.driver this binary knows. To plug in another system of record, add
// its constructor here.
var backends = map[string]backend{
	"sqlite": func(ctx context.Context, cfg *Config, norm *store.Normalizer, create bool, log *zap.Logger) (store.Store, error) {
		opts := sqlite.Options{DSN: cfg.Store.DSN, Normalizer: norm, Create: create, Log: log}
		if !create {
			opts.WatchInterval = fileWatchInterval
		}
		return sqlite.Open(ctx, opts)
	},
	// postgres is a shared PostgreSQL database, for several replicas; store.dsn is its
	// connection string.
	"postgres": func(ctx context.Context, cfg *Config, norm *store.Normalizer, _ bool, _ *zap.Logger) (store.Store, error) {
		return postgres.Open(ctx, postgres.Options{DSN: cfg.Store.DSN, Normalizer: norm, MaxOpenConns: cfg.Store.MaxOpenConns})
	},
	// memory keeps customers in process, loaded at start from the seed files listed
	// (comma-separated) in store.dsn.
	"memory": func(ctx context.Context, cfg *Config, norm *store.Normalizer, _ bool, _ *zap.Logger) (store.Store, error) {
		m := memory.New(norm)
		files := splitList([]string{cfg.Store.DSN})
		for _, f := range files {
			if ext := strings.ToLower(filepath.Ext(f)); ext != ".json" && ext != ".jsonl" {
				return nil, fmt.Errorf("store.dsn: the memory driver loads seed files (.json or .jsonl, comma-separated) at start; %q is not one", f)
			}
		}
		if len(files) > 0 {
			if err := loadFiles(ctx, nil, m, files, store.LoadOptions{}, nil, nil); err != nil {
				return nil, fmt.Errorf("store.dsn: %w", err)
			}
		}
		return m, nil
	},
}

// fileWatchInterval is how often a served SQLite file is checked for deletion, replacement or
// lost permissions.
const fileWatchInterval = time.Second

// openStore opens the configured store and brings its schema up to date. It returns the phone
// normaliser (matching.default_region) the store was opened with, which the lookups share.
func openStore(ctx context.Context, cfg *Config, log *zap.Logger, create bool) (store.Store, *store.Normalizer, error) {
	open, ok := backends[cfg.Store.Driver]
	if !ok {
		names := make([]string, 0, len(backends))
		for name := range backends {
			names = append(names, name)
		}
		sort.Strings(names)
		return nil, nil, fmt.Errorf("store.driver %q is unknown; want one of %s", cfg.Store.Driver, strings.Join(names, ", "))
	}
	norm, err := store.NewNormalizer(cfg.Matching.DefaultRegion)
	if err != nil {
		return nil, nil, err
	}
	st, err := open(ctx, cfg, norm, create, log)
	if err != nil {
		return nil, nil, err
	}
	if m, ok := st.(store.Migrator); ok {
		n, err := m.Migrate(ctx)
		if err != nil {
			abandonStore(st)
			return nil, nil, err
		}
		if n > 0 {
			log.Info("store migrated", zap.Int("steps", n))
		}
	}
	return st, norm, nil
}

// closeStore closes st if it holds resources.
func closeStore(st store.Store) {
	if c, ok := st.(interface{ Close() error }); ok {
		_ = c.Close()
	}
}

// abandonStore closes st after a command failed; a store that can (SQLite) removes the database
// file the command created, so that no half-made store is left for serve.
func abandonStore(st store.Store) {
	if a, ok := st.(interface{ Abandon() error }); ok {
		_ = a.Abandon()
		return
	}
	closeStore(st)
}

// withStore opens the configured store (creating it if missing when create is set), runs fn
// with it and its phone normaliser, and closes it; if fn fails, a database file this command
// created is removed again.
func withStore(cmd *cobra.Command, load configLoader, create bool, fn func(*Config, store.Store, *store.Normalizer) error) error {
	cfg, err := load(cmd)
	if err != nil {
		return err
	}
	st, norm, err := openStore(cmd.Context(), cfg, zap.NewNop(), create)
	if err != nil {
		return err
	}
	if err := fn(cfg, st, norm); err != nil {
		abandonStore(st)
		return err
	}
	closeStore(st)
	return nil
}

// errNoLoader explains why a store cannot be seeded.
var errNoLoader = errors.New("the configured store.driver cannot be seeded")

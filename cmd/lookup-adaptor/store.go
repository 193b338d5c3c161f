package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
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
	// memory keeps customers in process, loaded at start from the seed files listed
	// (comma-separated) in store.dsn.
	"memory": func(ctx context.Context, cfg *Config, norm *store.Normalizer, _ bool, _ *zap.Logger) (store.Store, error) {
		m := memory.New(norm)
		for _, f := range splitList([]string{cfg.Store.DSN}) {
			if err := loadFile(ctx, m, f, nil); err != nil {
				return nil, err
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
			closeStore(st)
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

// loadFile seeds one file into l, all or nothing, reporting progress to p when not nil.
func loadFile(ctx context.Context, l store.Loader, name string, p *progress) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if p != nil {
		r = p.reader(name, f)
	}
	records := store.Prefetch(store.ReadSeed(r, name), 1024)
	if p != nil {
		records = p.track(records)
	}
	stats, err := l.Load(ctx, records)
	if p != nil {
		p.done(stats, err)
	}
	if err != nil {
		return fmt.Errorf("%s: nothing written:\n%w", name, err)
	}
	return nil
}

// errNoLoader explains why a store cannot be seeded.
var errNoLoader = errors.New("the configured store.driver cannot be seeded")

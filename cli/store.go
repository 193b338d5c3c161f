package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
)

// backend returns the backend store.driver names, or an error listing the known ones.
func (a *app) backend(driver string) (store.Backend, error) {
	var found []store.Backend
	names := make([]string, 0, len(a.backends))
	for _, b := range a.backends {
		names = append(names, b.Name)
		if b.Name == driver {
			found = append(found, b)
		}
	}
	slices.Sort(names)
	switch {
	case len(names) == 0:
		return store.Backend{}, fmt.Errorf("store.driver %q: this program was built with no store backend", driver)
	case len(found) == 0:
		return store.Backend{}, fmt.Errorf("store.driver %q is unknown; want one of %s", driver, strings.Join(names, ", "))
	case len(found) > 1 || found[0].Open == nil:
		return store.Backend{}, fmt.Errorf("store.driver %q: this program registers %d backends of that name, or one without Open", driver, len(found))
	}
	return found[0], nil
}

// openStore opens the configured store and brings its schema up to date. It returns the phone
// normaliser (matching.default_region) the store was opened with, which the lookups share.
// create says whether a missing database may be created (migrate, seed).
func (a *app) openStore(ctx context.Context, cfg *Config, log *zap.Logger, create bool) (store.Store, *store.Normalizer, error) {
	b, err := a.backend(cfg.Store.Driver)
	if err != nil {
		return nil, nil, err
	}
	norm, err := phone.NewNormalizer(cfg.Matching.DefaultRegion)
	if err != nil {
		return nil, nil, err
	}
	st, err := b.Open(ctx, store.OpenOptions{
		DSN:           cfg.Store.DSN,
		Normalizer:    norm,
		Options:       cfg.Store.Options,
		Create:        create,
		MaxOpenConns:  cfg.Store.MaxOpenConns,
		ReadDSNs:      cfg.Store.ReadDSNs,
		MaxReplicaLag: cfg.Store.MaxReplicaLag,
		Log:           log,
	})
	if err != nil {
		return nil, nil, err
	}
	if st == nil {
		return nil, nil, fmt.Errorf("store.driver %s: Open returned no store and no error", b.Name)
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
	if c, ok := st.(io.Closer); ok {
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
func (a *app) withStore(cmd *cobra.Command, create bool, fn func(*Config, store.Store, *store.Normalizer) error) error {
	cfg, err := a.config(cmd)
	if err != nil {
		return err
	}
	st, norm, err := a.openStore(cmd.Context(), cfg, zap.NewNop(), create)
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

// capability returns st as the optional interface T a command needs (store.Loader for seed,
// say), or an error naming the capability, the command and the driver.
func capability[T any](st store.Store, cfg *Config, command, iface string) (T, error) {
	c, ok := st.(T)
	if !ok {
		return c, fmt.Errorf("%s: store.driver %q cannot do this: its store does not implement %s", command, cfg.Store.Driver, iface)
	}
	return c, nil
}

package main

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

func newMigrateCommand(load configLoader) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the store schema",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := load(cmd)
			if err != nil {
				return err
			}
			norm, err := store.NewNormalizer(cfg.Matching.DefaultRegion)
			if err != nil {
				return err
			}
			st, err := openStore(cmd.Context(), cfg, norm, zap.NewNop(), true)
			if err != nil {
				return err
			}
			defer closeStore(st)
			fmt.Fprintf(cmd.OutOrStdout(), "store %s (%s) is up to date\n", cfg.Store.DSN, cfg.Store.Driver)
			return nil
		},
	}
}

func newSeedCommand(load configLoader) *cobra.Command {
	return &cobra.Command{
		Use:   "seed FILE...",
		Short: "Load customers from .json or .jsonl files into the store (idempotent upsert)",
		Long: "Load customers (SPEC §8) into the configured store. Each file is loaded all or nothing;\n" +
			"bad records are named by file and line (or index) with the field at fault.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			cfg, err := load(cmd)
			if err != nil {
				return err
			}
			norm, err := store.NewNormalizer(cfg.Matching.DefaultRegion)
			if err != nil {
				return err
			}
			st, err := openStore(cmd.Context(), cfg, norm, zap.NewNop(), true)
			if err != nil {
				return err
			}
			defer closeStore(st)
			l, ok := st.(store.Loader)
			if !ok {
				return fmt.Errorf("%w: %s", errNoLoader, cfg.Store.Driver)
			}
			// Seeding makes short-lived garbage at a high rate; collecting less often saves
			// much of the GC's CPU while memory stays bounded by the records in flight.
			defer debug.SetGCPercent(debug.SetGCPercent(400))
			p := newProgress(cmd.ErrOrStderr())
			var errs []error
			for _, f := range files {
				if err := loadFile(cmd.Context(), l, f, p); err != nil {
					errs = append(errs, err)
				}
			}
			return errors.Join(errs...)
		},
	}
}

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

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
			return withStore(cmd, load, func(cfg *Config, _ store.Store) error {
				fmt.Fprintf(cmd.OutOrStdout(), "store %s (%s) is up to date\n", cfg.Store.DSN, cfg.Store.Driver)
				return nil
			})
		},
	}
}

func newSeedCommand(load configLoader) *cobra.Command {
	return &cobra.Command{
		Use:   "seed FILE|DIR...",
		Short: "Load customers from .json or .jsonl files into the store (idempotent upsert)",
		Long: "Load customers (SPEC §8) into the configured store. A directory stands for the .json and\n" +
			".jsonl files in it. Each file is loaded all or nothing; bad records are named by file and\n" +
			"line (or index) with the field at fault.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			return withStore(cmd, load, func(cfg *Config, st store.Store) error {
				return seed(cmd, cfg, st, files)
			})
		},
	}
}

// seed loads files into st, one all-or-nothing unit per file, reporting progress on stderr.
func seed(cmd *cobra.Command, cfg *Config, st store.Store, files []string) error {
	l, ok := st.(store.Loader)
	if !ok {
		return fmt.Errorf("%w: %s", errNoLoader, cfg.Store.Driver)
	}
	// Seeding makes short-lived garbage at a high rate; collecting less often saves
	// much of the GC's CPU while memory stays bounded by the records in flight.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	files, err := seedFiles(files)
	if err != nil {
		return err
	}
	p := newProgress(cmd.ErrOrStderr())
	var errs []error
	for _, f := range files {
		if err := loadFile(cmd.Context(), l, f, p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// withStore opens the configured store (creating it if missing), runs fn, and closes it.
func withStore(cmd *cobra.Command, load configLoader, fn func(*Config, store.Store) error) error {
	cfg, err := load(cmd)
	if err != nil {
		return err
	}
	st, _, err := openStore(cmd.Context(), cfg, zap.NewNop(), true)
	if err != nil {
		return err
	}
	defer closeStore(st)
	return fn(cfg, st)
}

// seedFiles expands each directory argument into the .json and .jsonl files it holds, sorted.
func seedFiles(args []string) ([]string, error) {
	var files []string
	for _, arg := range args {
		fi, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			files = append(files, arg)
			continue
		}
		entries, err := os.ReadDir(arg)
		if err != nil {
			return nil, err
		}
		before := len(files)
		for _, e := range entries {
			if ext := strings.ToLower(filepath.Ext(e.Name())); !e.IsDir() && (ext == ".json" || ext == ".jsonl") {
				files = append(files, filepath.Join(arg, e.Name()))
			}
		}
		if len(files) == before {
			return nil, fmt.Errorf("%s holds no .json or .jsonl file", arg)
		}
	}
	return files, nil
}

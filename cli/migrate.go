package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

func newMigrateCommand(load configLoader) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the store schema",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd, load, true, func(cfg *Config, _ store.Store, _ *store.Normalizer) error {
				fmt.Fprintf(cmd.OutOrStdout(), "store %s (%s) is up to date\n", cfg.Store.DSN, cfg.Store.Driver)
				return nil
			})
		},
	}
}

// Command lookup-adaptor is a Gladly Lookup Adaptor: the server Gladly calls to look up
// customers in a company's system of record, and the tools that go with it.
//
//	lookup-adaptor serve                       run the server
//	lookup-adaptor migrate                     create or upgrade the store schema
//	lookup-adaptor seed [--replace] FILE...    load customers (.json, .jsonl, - for stdin) into the store
//	lookup-adaptor delete ID...                delete customers by externalCustomerId
//	lookup-adaptor export [--out FILE]         write the whole store as .jsonl seed records
//	lookup-adaptor generate --customers N      write synthetic customers as JSONL
//	lookup-adaptor sign --key K FILE           print the headers Gladly would send for a body
//	lookup-adaptor replay --url URL PATH...    replay recorded cases and compare the answers
//	lookup-adaptor check --url URL --key K     check a deployed adaptor as Gladly would call it
//	lookup-adaptor version                     print the version
//
// Configuration comes from config.yaml (--config) and ADAPTOR_* environment variables.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := newRootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "lookup-adaptor:", err)
		os.Exit(1)
	}
}

// newRootCommand builds the command tree; tests run it with their own arguments.
func newRootCommand() *cobra.Command {
	var configPath string
	root := &cobra.Command{
		Use:           "lookup-adaptor",
		Short:         "A Gladly Lookup Adaptor server and its tools",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetVersionTemplate("lookup-adaptor {{.Version}}\n") // the same line as the version command
	root.PersistentFlags().StringVar(&configPath, "config", "config.yaml", "configuration file (keys can be overridden by ADAPTOR_* variables)")
	load := func(cmd *cobra.Command) (*Config, error) {
		return loadConfig(configPath, cmd.Flags().Changed("config"))
	}
	root.AddCommand(
		newServeCommand(load),
		newMigrateCommand(load),
		newSeedCommand(load),
		newDeleteCommand(load),
		newExportCommand(load),
		newGenerateCommand(),
		newSignCommand(load),
		newReplayCommand(load),
		newCheckCommand(load),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Args:  cobra.NoArgs,
			Run: func(cmd *cobra.Command, _ []string) {
				fmt.Fprintln(cmd.OutOrStdout(), "lookup-adaptor", version)
			},
		},
	)
	return root
}

// configLoader loads the configuration for a command.
type configLoader func(cmd *cobra.Command) (*Config, error)

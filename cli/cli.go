// Package cli is the whole lookup-adaptor program as a library: the command tree (serve,
// migrate, seed, delete, export, generate, sign, replay, check, version), its configuration
// and serve's wiring. A program of one's own serves its own system of record with it, and
// keeps everything the stock binary does — config file and ADAPTOR_* variables checked
// strictly, TLS, reload on SIGHUP, Basic auth, actions, the console and every other command:
//
//	func main() {
//		cli.Main(store.Backend{Name: "acme", Open: acme.Open})
//	}
//
// store.driver picks one of the backends by name. cli knows backends only through those
// values, so a binary whose backends are pure Go builds with CGO_ENABLED=0; cmd/lookup-adaptor
// is this call with the built-in backends (SQLite, PostgreSQL, memory). docs/stores.md is the
// guide.
package cli

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// version is set at build time with -ldflags "-X github.com/lookup-adaptor/lookup-adaptor/cli.version=…";
// without it, Version reads what the Go toolchain recorded.
var version = ""

// Version is the program's version: the one set at build time, else the main module's version
// or the commit it was built from, else "dev".
func Version() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return s.Value[:12]
		}
	}
	return "dev"
}

// Main runs the lookup-adaptor command tree with os.Args and the given backends, and exits:
// 0 on success, 1 after printing the error.
func Main(backends ...store.Backend) {
	if err := NewCommand(backends...).ExecuteContext(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "lookup-adaptor:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// NewCommand returns the command tree Main runs, for a program that adds commands of its own
// or a test that runs it with its own arguments (SetArgs). store.driver names one of backends;
// two backends of the same name make every command that opens a store fail.
func NewCommand(backends ...store.Backend) *cobra.Command {
	a := &app{backends: backends}
	root := &cobra.Command{
		Use:           "lookup-adaptor",
		Short:         "A Gladly Lookup Adaptor server and its tools",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version(),
	}
	root.SetVersionTemplate("lookup-adaptor {{.Version}}\n") // the same line as the version command
	root.PersistentFlags().StringVar(&a.configPath, "config", "config.yaml", "configuration file (keys can be overridden by ADAPTOR_* variables)")
	root.AddCommand(
		a.serveCommand(),
		a.migrateCommand(),
		a.seedCommand(),
		a.deleteCommand(),
		a.exportCommand(),
		generateCommand(),
		a.signCommand(),
		a.replayCommand(),
		a.checkCommand(),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Args:  cobra.NoArgs,
			Run: func(cmd *cobra.Command, _ []string) {
				fmt.Fprintln(cmd.OutOrStdout(), "lookup-adaptor", Version())
			},
		},
	)
	return root
}

// app is what the commands share: the configuration file flag and the backends this program
// knows.
type app struct {
	configPath string
	backends   []store.Backend
}

// config loads the configuration for cmd: --config, required when given explicitly.
func (a *app) config(cmd *cobra.Command) (*Config, error) {
	return LoadConfig(a.configPath, cmd.Flags().Changed("config"))
}

// withConfig is a command's RunE that loads the configuration before running fn.
func (a *app) withConfig(fn func(cmd *cobra.Command, cfg *Config, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cfg, err := a.config(cmd)
		if err != nil {
			return err
		}
		return fn(cmd, cfg, args)
	}
}

// needArgs accepts at least min arguments (exactly min when exact), and otherwise says what the
// command needs, with an example: cobra's "requires at least 1 arg(s)" names neither.
func needArgs(min int, exact bool, what, example string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min || exact && len(args) > min {
			return fmt.Errorf("%s needs %s, as in: %s", cmd.Name(), what, example)
		}
		return nil
	}
}

package cli

import (
	"fmt"
	"net/url"
	"regexp"

	"github.com/spf13/cobra"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

func (a *app) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the store schema",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd, true, func(cfg *Config, st store.Store, _ *store.Normalizer) error {
				// openStore has migrated a store that can be; one that cannot is refused.
				if _, err := capability[store.Migrator](st, cfg, "migrate", "store.Migrator"); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "store %s (%s) is up to date\n", redactDSN(cfg.Store.DSN), cfg.Store.Driver)
				return nil
			})
		},
	}
}

// dsnPassword finds a password in a key=value connection string or a URL's query.
var dsnPassword = regexp.MustCompile(`(?i)(\bpassword=)('[^']*'|[^\s&]*)`)

// redactDSN is dsn fit to print: any password in it replaced by xxxxx.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" && u.User != nil {
		dsn = u.Redacted()
	}
	return dsnPassword.ReplaceAllString(dsn, "${1}xxxxx")
}

package cli

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
)

func (a *app) deleteCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID...",
		Short: "Delete customers by externalCustomerId, all in one unit",
		Long: "Delete the customers with these externalCustomerIds, every way of finding them with them,\n" +
			"in one all-or-nothing unit. Ids of no stored customer are reported. With SQLite the deleted\n" +
			"data is overwritten in the database file.",
		Args: needArgs(1, false, "the externalCustomerId of each customer to delete", "lookup-adaptor delete C-1001 C-1002"),
		RunE: func(cmd *cobra.Command, ids []string) error {
			return a.withStore(cmd, false, func(cfg *Config, st store.Store, _ *store.Normalizer) error {
				l, err := capability[store.Loader](st, cfg, "delete", "store.Loader")
				if err != nil {
					return err
				}
				records := func(yield func(store.Record, error) bool) {
					for i, id := range ids {
						place := fmt.Sprintf("argument %d", i+1)
						var err error
						if id = strings.TrimSpace(id); id == "" {
							err = fmt.Errorf("%s: an empty externalCustomerId", place)
						}
						r := store.Record{Customer: store.Customer{ExternalID: id}, Deleted: true, Place: place}
						if !yield(r, err) {
							return
						}
					}
				}
				stats, err := l.Load(cmd.Context(), records, store.LoadOptions{})
				if err != nil {
					return fmt.Errorf("nothing deleted:\n%w", err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%d deleted\n", stats.Deleted)
				if stats.Unknown > 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "not found (nothing to delete): %s\n", unknownList(stats))
				}
				return nil
			})
		},
	}
}

func (a *app) exportCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export [--out FILE]",
		Short: "Write the whole store as .jsonl seed records",
		Long: "Write every customer of the store as one seed record per line (docs/data.md), ordered by\n" +
			"externalCustomerId; seeding that file into an empty store gives the same answers. --out\n" +
			"writes a file, complete or not at all; otherwise standard output.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd, false, func(cfg *Config, st store.Store, _ *store.Normalizer) error {
				e, err := capability[store.Exporter](st, cfg, "export", "store.Exporter")
				if err != nil {
					return err
				}
				if out == "" {
					_, err := export(cmd, e, cfg.seedLimits(), bufio.NewWriter(cmd.OutOrStdout()))
					return err
				}
				return exportFile(cmd, e, cfg.seedLimits(), out)
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "file to write (default: standard output)")
	return cmd
}

// exportFile writes the export to a temporary file beside path and renames it into place, so
// that path holds a whole export or nothing new.
func exportFile(cmd *cobra.Command, e store.Exporter, limits seedfile.Limits, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	n, err := export(cmd, e, limits, bufio.NewWriter(tmp))
	if err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%d customers exported to %s\n", n, path)
	return nil
}

// export writes one seed line per customer to w and the end line that proves the output whole
// (docs/data.md), flushes it, and returns how many customers it wrote. A stored customer that
// seed would now refuse (stored before the seed.* limits, or past lowered ones) is named on
// standard error.
func export(cmd *cobra.Command, e store.Exporter, limits seedfile.Limits, w *bufio.Writer) (int, error) {
	n, warned := 0, 0
	for c, err := range e.Export(cmd.Context()) {
		if err != nil {
			return n, err
		}
		if problems := limits.Problems(&c); len(problems) > 0 {
			if warned++; warned <= maxWarnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s: %s; seed will refuse this record (docs/data.md, seed.* limits)\n", c.ExternalID, strings.Join(problems, "; "))
			}
		}
		line, err := seedfile.Encode(&c)
		if err != nil {
			return n, fmt.Errorf("export %s: %w", c.ExternalID, err)
		}
		w.Write(line)
		if err := w.WriteByte('\n'); err != nil {
			return n, err
		}
		n++
	}
	if warned > maxWarnings {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %d more customers past the seed.* limits\n", warned-maxWarnings)
	}
	fmt.Fprintf(w, `{"end":true,"records":%d}`+"\n", n)
	return n, w.Flush()
}

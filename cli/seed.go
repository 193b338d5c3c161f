package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

func (a *app) seedCommand() *cobra.Command {
	var replace, check bool
	var maxDelete string
	cmd := &cobra.Command{
		Use:   "seed [--replace | --check] FILE|DIR|-...",
		Short: "Load customers from .json or .jsonl files into the store (idempotent upsert)",
		Long: "Load customers (docs/data.md) into the configured store, all files as one all-or-nothing unit.\n" +
			"A directory stands for the .json and .jsonl files in it; - reads .jsonl from standard input.\n" +
			`A record {"externalCustomerId": …, "deleted": true} deletes that customer. Bad records are\n` +
			"named by file and line (or index) with the field at fault, and then nothing is written.",
		Args: needArgs(1, false, "the seed files or directories to load (- for standard input)", "lookup-adaptor seed testdata/seed/"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if check {
				return a.withConfig(a.checkSeed)(cmd, args)
			}
			defer limitMemory(os.LookupEnv, seedMemoryLimit)()
			opts := store.LoadOptions{Replace: replace}
			if cmd.Flags().Changed("max-delete") {
				if !replace {
					return errors.New("--max-delete bounds what --replace deletes; give it with --replace")
				}
				var err error
				if opts.MaxDelete, err = parseDeleteLimit(maxDelete); err != nil {
					return err
				}
			}
			return a.withStore(cmd, true, func(cfg *Config, st store.Store, norm *store.Normalizer) error {
				return seed(cmd, cfg, st, norm, args, opts)
			})
		},
	}
	cmd.Flags().BoolVar(&replace, "replace", false, "the files are the whole truth: delete every stored customer they do not name, in the same unit")
	cmd.Flags().StringVar(&maxDelete, "max-delete", "", "with --replace, the most customers it may delete: a count (500) or a share of those stored (25%); 100% allows any, and an empty input (default: 10% or 1000, whichever is larger)")
	cmd.Flags().BoolVar(&check, "check", false, "validate the files and report ORDER readiness; write nothing")
	cmd.MarkFlagsMutuallyExclusive("replace", "check")
	return cmd
}

// stdinName stands for standard input among seed's arguments, and names it in errors.
const stdinName = "-"

// seed loads every file into st as one unit, reporting progress, warnings and the outcome on
// stderr.
func seed(cmd *cobra.Command, cfg *Config, st store.Store, norm *store.Normalizer, args []string, opts store.LoadOptions) error {
	l, err := capability[store.Loader](st, cfg, "seed", "store.Loader")
	if err != nil {
		return err
	}
	// Seeding makes short-lived garbage at a high rate; collecting less often saves
	// much of the GC's CPU while memory stays bounded by the records in flight.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	files, err := seedFiles(args)
	if err != nil {
		return err
	}
	p := newProgress(cmd.ErrOrStderr(), files)
	w := &warnings{out: cmd.ErrOrStderr(), norm: norm}
	defer w.summary()
	err = loadFiles(cmd.Context(), cmd.InOrStdin(), l, files, cfg.seedLimits(), opts, p, w)
	var tooMany *store.TooManyDeletesError
	if errors.As(err, &tooMany) {
		return fmt.Errorf("%w\nnothing was written. If the files really are the whole truth, run again with --max-delete %d (or --max-delete 100%%)", err, tooMany.Would)
	}
	return err
}

// parseDeleteLimit reads --max-delete: a count, or a percentage of the stored customers.
func parseDeleteLimit(s string) (store.DeleteLimit, error) {
	bad := fmt.Errorf("--max-delete %q: want a count such as 500, or a share of the stored customers such as 25%%", s)
	if pct, ok := strings.CutSuffix(strings.TrimSpace(s), "%"); ok {
		p, err := strconv.ParseFloat(pct, 64)
		if err != nil || p < 0 || p > 100 {
			return store.DeleteLimit{}, bad
		}
		l := store.DeleteLimit{Percent: p}
		return l, nonZero(l)
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return store.DeleteLimit{}, bad
	}
	l := store.DeleteLimit{Count: n}
	return l, nonZero(l)
}

// nonZero refuses a limit of nothing, which store.DeleteLimit would read as the default.
func nonZero(l store.DeleteLimit) error {
	if l == (store.DeleteLimit{}) {
		return errors.New("--max-delete 0 would refuse every deletion; to delete nothing, seed without --replace")
	}
	return nil
}

// loadFiles loads files ("-" reads stdin) into l as one unit, reporting to p and w when not nil.
// A replace of no record at all is refused unless opts allow deleting every customer: an empty
// stream is far likelier a producer that failed than a store meant to be emptied.
func loadFiles(ctx context.Context, stdin io.Reader, l store.Loader, files []string, limits seedfile.Limits, opts store.LoadOptions, p *progress, w *warnings) error {
	records := func(yield func(store.Record, error) bool) {
		read := 0
		for _, name := range files {
			r, closeFile, err := openSeed(stdin, name, p)
			if err != nil {
				yield(store.Record{}, err) // a bad record: the load writes nothing
				return
			}
			format := name
			if name == stdinName {
				format = "stdin.jsonl" // standard input is always one record per line
			}
			for rec, err := range limits.Read(r, format) {
				read++
				if !yield(rec, err) {
					closeFile()
					return
				}
			}
			closeFile()
		}
		if read == 0 && opts.Replace && opts.MaxDelete.Percent < 100 {
			yield(store.Record{}, errors.New("seed --replace read no record: that would delete every stored customer. "+
				"If an empty store is what you want, run again with --max-delete 100%"))
		}
	}
	var checked store.Records = records
	if w != nil {
		checked = w.check(records)
	}
	tracked := seedfile.Prefetch(checked, 1024)
	if p != nil {
		tracked = p.track(tracked)
	}
	stats, err := l.Load(ctx, tracked, opts)
	if p != nil {
		p.done(stats, err)
	}
	if err != nil {
		return fmt.Errorf("nothing written:\n%w", err)
	}
	return nil
}

// openSeed opens one seed argument for reading, counted by p when not nil.
func openSeed(stdin io.Reader, name string, p *progress) (io.Reader, func(), error) {
	if name == stdinName {
		r := stdin
		if p != nil {
			r = p.reader("stdin", r, -1)
		}
		return r, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	var r io.Reader = f
	if p != nil {
		size := int64(-1)
		if fi, err := f.Stat(); err == nil {
			size = fi.Size()
		}
		r = p.reader(name, f, size)
	}
	return r, func() { f.Close() }, nil
}

// seedFiles expands each directory argument into the .json and .jsonl files it holds, sorted;
// "-" (standard input) stays as it is, once.
func seedFiles(args []string) ([]string, error) {
	var files []string
	stdin := false
	for _, arg := range args {
		if arg == stdinName {
			if stdin {
				return nil, fmt.Errorf("- (standard input) given twice")
			}
			stdin = true
			files = append(files, arg)
			continue
		}
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

// maxWarnings bounds the warnings one seed prints; the rest are counted.
const maxWarnings = 20

// warnings reports the emails and phones of a seed that no lookup will ever match — kept as
// data, but not findable — so that a bad export is noticed rather than silently half-indexed.
type warnings struct {
	out  io.Writer
	norm *store.Normalizer
	n    int
}

// check passes records through, normalising each phone (as the store would: here it runs in
// the reader, beside the writer) and warning about those that do not parse and emails without
// an @.
func (w *warnings) check(records store.Records) store.Records {
	return func(yield func(store.Record, error) bool) {
		for r, err := range records {
			if err == nil && !r.Deleted {
				w.customer(&r)
			}
			if !yield(r, err) {
				return
			}
		}
	}
}

func (w *warnings) customer(r *store.Record) {
	c := &r.Customer
	for i, e := range c.Emails {
		if !strings.Contains(e, "@") {
			w.warn("%s: emails[%d] %q is not an email address; no lookup will find the customer by it", r.Place, i, e)
		}
	}
	for i := range c.Phones {
		p := &c.Phones[i]
		if p.E164 != "" {
			continue
		}
		var ok bool
		if p.E164, ok = w.norm.Phone(p.Original); !ok {
			w.warn("%s: phones[%d] %q is not a phone number (matching.default_region %s); no lookup will find the customer by it", r.Place, i, p.Original, w.norm.Region())
		}
	}
}

func (w *warnings) warn(format string, args ...any) {
	if w.n++; w.n <= maxWarnings {
		fmt.Fprintf(w.out, "warning: "+format+"\n", args...)
	}
}

// summary counts the warnings that were not printed.
func (w *warnings) summary() {
	if w.n > maxWarnings {
		fmt.Fprintf(w.out, "warning: %d more like these\n", w.n-maxWarnings)
	}
}

// checkSeed validates seed files without opening the store: every record parsed as a load would
// (duplicates included), the warnings a load prints, and the ORDER readiness report. Bad
// records make it fail.
func (a *app) checkSeed(cmd *cobra.Command, cfg *Config, args []string) error {
	norm, err := phone.NewNormalizer(cfg.Matching.DefaultRegion)
	if err != nil {
		return err
	}
	files, err := seedFiles(args)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	w := &warnings{out: cmd.ErrOrStderr(), norm: norm}
	var report transactions.Readiness
	var errs []error
	seen := map[string]string{}
	read := 0
	for _, name := range files {
		r, closeFile, err := openSeed(cmd.InOrStdin(), name, nil)
		if err != nil {
			return err
		}
		format := name
		if name == stdinName {
			format = "stdin.jsonl"
		}
		for rec, err := range w.check(cfg.seedLimits().Read(r, format)) {
			if err == nil {
				if first, dup := seen[rec.Customer.ExternalID]; dup {
					err = store.DuplicateError(rec, first)
				}
			}
			if err != nil {
				if errs = append(errs, err); len(errs) >= maxCheckErrors {
					break
				}
				continue
			}
			read++
			seen[rec.Customer.ExternalID] = rec.Place
			report.Add(rec.Customer.ExternalID, rec.Customer.Transactions)
		}
		closeFile()
	}
	w.summary()
	if report.Orders > 0 || len(errs) == 0 { // "no orders" says nothing beside bad records
		for _, line := range report.Lines() {
			fmt.Fprintln(out, line)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d records good; bad records:\n%w", read, errors.Join(errs...))
	}
	fmt.Fprintf(out, "%d records good; nothing was written\n", read)
	return nil
}

// maxCheckErrors bounds the bad records seed --check reports.
const maxCheckErrors = 20

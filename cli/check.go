package cli

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lookup-adaptor/lookup-adaptor/check"
	"github.com/lookup-adaptor/lookup-adaptor/replay"
)

func (a *app) checkCommand() *cobra.Command {
	var o check.Options
	var target, key, basic, cases string
	var headers []string
	cmd := &cobra.Command{
		Use:   "check --url URL --key K [--basic USER:PASS] [--header 'Name: value'] [--cases DIR]",
		Short: "Check a deployed adaptor from outside, as Gladly would call it",
		Long: "Check the adaptor at URL — this project's or any other — as Gladly and an admin would: it is\n" +
			"reachable; its TLS certificate is valid (https); unsigned, wrongly signed and stale requests\n" +
			"are refused with 401; signed lookups (an auto-link and a detailed lookup for unknown customers,\n" +
			"and the replay cases under --cases) are answered 200 with application/json, results only and\n" +
			"strings only, one result at most for DETAILED, within --limit. One line per check, a summary,\n" +
			"and a non-zero exit on any failure.",
		Example: "  lookup-adaptor check --url https://adaptor.example.com/lookup --key \"$KEY\" --cases testdata/cases",
		Args:    cobra.NoArgs,
		RunE: a.withConfig(func(cmd *cobra.Command, cfg *Config, _ []string) error {
			key, err := cfg.signingKey(key)
			if err != nil {
				return err
			}
			if target == "" {
				return fmt.Errorf("--url is required: the lookup URL configured in Gladly")
			}
			o.URL, o.Key = target, []byte(key)
			if basic != "" {
				user, pass, _ := strings.Cut(basic, ":")
				o.Basic = url.UserPassword(user, pass)
			}
			if o.Header, err = parseHeaders(headers); err != nil {
				return err
			}
			if cases != "" {
				if o.Cases, err = replay.Load(cases); err != nil {
					return err
				}
			}
			results := check.Run(cmd.Context(), o)
			out := cmd.OutOrStdout()
			passed := 0
			for _, r := range results {
				mark := "FAIL"
				if r.OK {
					mark, passed = "ok  ", passed+1
				}
				fmt.Fprintf(out, "%s %-62s %8s  %s\n", mark, r.Name, r.Took.Round(time.Millisecond), r.Detail)
			}
			fmt.Fprintf(out, "%d passed, %d failed\n", passed, len(results)-passed)
			if check.Failed(results) {
				return check.ErrFailed
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&target, "url", "", "the adaptor's lookup URL, as configured in Gladly")
	cmd.Flags().StringVar(&key, "key", "", "the signing key (default: the first of signing.keys)")
	cmd.Flags().StringVar(&basic, "basic", "", "HTTP Basic credentials Gladly sends, as user:password")
	cmd.Flags().StringArrayVar(&headers, "header", nil, "an extra static header Gladly sends, as 'Name: value' (repeatable)")
	cmd.Flags().StringVar(&cases, "cases", "", "a directory of replay cases to run as well")
	cmd.Flags().DurationVar(&o.Limit, "limit", 5*time.Second, "the most an answer may take")
	return cmd
}

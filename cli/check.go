package cli

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lookup-adaptor/lookup-adaptor/check"
	"github.com/lookup-adaptor/lookup-adaptor/replay"
)

func (a *app) checkCommand() *cobra.Command {
	var o check.Options
	var target, key, basic, cases, cacert string
	var headers []string
	cmd := &cobra.Command{
		Use:   "check --url URL --key K [--basic USER:PASS] [--header 'Name: value'] [--customer ID] [--email E] [--cacert FILE] [--cases DIR]",
		Short: "Check a deployed adaptor from outside, as Gladly would call it",
		Long: "Check the adaptor at URL — this project's or any other — as Gladly and an admin would: it is\n" +
			"reachable; its TLS certificate is valid (https); unsigned, wrongly signed and stale requests\n" +
			"are refused (any 4xx; a 5xx is a crash); signed lookups — an auto-link, the same over a body\n" +
			"that is not compact JSON and with a header value holding a double space, a detailed lookup,\n" +
			"the replay cases under --cases — are answered 200 with results only and strings only, one\n" +
			"result at most for DETAILED, within --limit. With --customer and --email, a stored customer's\n" +
			"answers are examined too: ISO dates, phone types, the ORDER readiness rules, and\n" +
			"uniqueMatchRequired honoured. Each check is PASS, WARN (Gladly copes, or the data is at\n" +
			"fault) or FAIL; one line each, a summary, and a non-zero exit only on a FAIL.",
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
			if cacert != "" {
				if o.RootCAs, err = readCAs(cacert); err != nil {
					return err
				}
			}
			if cases != "" {
				if o.Cases, err = replay.Load(cases); err != nil {
					return err
				}
			}
			results := check.Run(cmd.Context(), o)
			out := cmd.OutOrStdout()
			var count [check.Fail + 1]int
			for _, r := range results {
				count[r.Verdict]++
				fmt.Fprintf(out, "%s %-64s %8s  %s\n", r.Verdict, r.Name, r.Took.Round(time.Millisecond), r.Detail)
			}
			fmt.Fprintf(out, "%d passed, %d warned, %d failed\n", count[check.Pass], count[check.Warn], count[check.Fail])
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
	cmd.Flags().StringVar(&o.Customer, "customer", "", "the externalCustomerId of a stored customer, whose detailed answer is examined")
	cmd.Flags().StringVar(&o.Email, "email", "", "the email of a stored customer, searched for and examined")
	cmd.Flags().StringVar(&cacert, "cacert", "", "a PEM file of CA certificates to trust for an https URL (a private CA, a self-signed certificate)")
	cmd.Flags().DurationVar(&o.Limit, "limit", 5*time.Second, "the most an answer may take")
	return cmd
}

// readCAs reads the PEM certificates in path into a pool.
func readCAs(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--cacert: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("--cacert %s: no PEM certificate in it", path)
	}
	return pool, nil
}

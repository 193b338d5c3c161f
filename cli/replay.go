package cli

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/lookup-adaptor/lookup-adaptor/replay"
)

func (a *app) replayCommand() *cobra.Command {
	var target, key string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "replay --url URL [--key K] PATH...",
		Short: "Sign and send every recorded case under PATH and compare the answers",
		Long: "Replay the cases (docs/data.md) found under each PATH — directories holding response.json,\n" +
			"request.json (a GET has none), and optionally headers.json and target.json (an action's\n" +
			"method, path and query) — against the adaptor at URL, signed with the current time.\n" +
			"Prints a line per case and a summary; exits non-zero on any mismatch.",
		Example: "  lookup-adaptor replay --url http://127.0.0.1:8080/lookup --key \"$KEY\" testdata/cases",
		Args:    needArgs(1, false, "a directory of cases", "lookup-adaptor replay --url http://127.0.0.1:8080/lookup testdata/cases"),
		RunE: a.withConfig(func(cmd *cobra.Command, cfg *Config, paths []string) error {
			if target == "" {
				return errors.New("replay needs --url, the adaptor's lookup URL")
			}
			key, err := cfg.signingKey(key)
			if err != nil {
				return err
			}
			cases, err := replay.Load(paths...)
			if err != nil {
				return err
			}
			client := &http.Client{Timeout: timeout}
			_, failed := replay.Run(cmd.Context(), client, target, []byte(key), cases, cmd.OutOrStdout())
			if failed > 0 {
				return fmt.Errorf("%d of %d cases failed", failed, len(cases))
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&target, "url", "", "the adaptor's lookup URL, e.g. http://127.0.0.1:8080/lookup")
	cmd.Flags().StringVar(&key, "key", "", "signing key (default: the first of signing.keys)")
	cmd.Flags().DurationVar(&timeout, "timeout", 20*time.Second, "per-request timeout")
	return cmd
}

package cli

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// printOrder is the order sign prints h in: Gladly's usual headers first, then the others by
// name, Gladly-Authorization last.
func printOrder(h http.Header) []string {
	first := []string{"Content-Type", "Accept", "Gladly-Correlation-Id", "X-B3-Traceid", signing.HeaderTime}
	var out, rest []string
	for _, name := range first {
		if _, ok := h[name]; ok {
			out = append(out, name)
		}
	}
	for name := range h {
		if !slices.Contains(first, name) && name != signing.HeaderAuthorization {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	return append(append(out, rest...), signing.HeaderAuthorization)
}

// parseHeaders reads --header flags, 'Name: value' each, into a header (names canonical, values
// trimmed).
func parseHeaders(flags []string) (http.Header, error) {
	h := http.Header{}
	for _, f := range flags {
		name, value, ok := strings.Cut(f, ":")
		if name = strings.TrimSpace(name); !ok || name == "" {
			return nil, fmt.Errorf("--header %q: want 'Name: value'", f)
		}
		h.Add(name, strings.TrimSpace(value))
	}
	return h, nil
}

func (a *app) signCommand() *cobra.Command {
	var key, at, path, method string
	var headers []string
	cmd := &cobra.Command{
		Use:   "sign [--key K] [--time T] [--path P] [--method M] [--header 'Name: value'] FILE",
		Short: "Print the headers Gladly would send with the body in FILE (- for stdin)",
		Long: "Print one 'Header: value' line per header Gladly would send with the body in FILE,\n" +
			"ready for curl -H @-. The key defaults to the first configured signing key. --header sets a\n" +
			"header, replacing a generated one (the correlation or trace id); every header is signed,\n" +
			"its value trimmed, as Gladly's documentation says.",
		Example: "  lookup-adaptor sign --key \"$KEY\" body.json | curl -H @- --data-binary @body.json http://127.0.0.1:8080/lookup",
		Args:    needArgs(1, true, "one file holding the body (- for standard input)", "lookup-adaptor sign --key \"$KEY\" body.json"),
		RunE: a.withConfig(func(cmd *cobra.Command, cfg *Config, args []string) error {
			key, err := cfg.signingKey(key)
			if err != nil {
				return err
			}
			if path == "" {
				path = cfg.Server.Path
			}
			t, err := parseTime(at)
			if err != nil {
				return err
			}
			body, err := readInput(cmd.InOrStdin(), args[0])
			if err != nil {
				return err
			}
			extra, err := parseHeaders(headers)
			if err != nil {
				return err
			}
			path, query, _ := strings.Cut(path, "?")
			r, err := signing.NewRequest([]byte(key), strings.ToUpper(method), path, query, body, t)
			if err != nil {
				return err
			}
			if len(extra) > 0 {
				for name, values := range extra {
					r.Header[name] = values
				}
				r.Header.Del(signing.HeaderAuthorization)
				auth, err := signing.Sign([]byte(key), r)
				if err != nil {
					return err
				}
				r.Header.Set(signing.HeaderAuthorization, auth)
			}
			for _, name := range printOrder(r.Header) {
				for _, v := range r.Header[name] {
					fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", name, v)
				}
			}
			return nil
		}),
	}
	cmd.Flags().StringArrayVar(&headers, "header", nil, "a header to send, as 'Name: value' (repeatable; replaces a generated one)")
	cmd.Flags().StringVar(&key, "key", "", "signing key (default: the first of signing.keys)")
	cmd.Flags().StringVar(&method, "method", http.MethodPost, "request method: POST for lookups and action submissions, GET for action forms")
	cmd.Flags().StringVar(&at, "time", "", "request time, as 20261121T093000Z or RFC 3339 (default: now)")
	cmd.Flags().StringVar(&path, "path", "", "URL path Gladly calls, with ?query if any (default: server.path)")
	return cmd
}

// parseTime reads --time in Gladly's format or RFC 3339; empty means now.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Now(), nil
	}
	if t, err := time.Parse(signing.TimeLayout, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--time %q: want 20261121T093000Z or RFC 3339", s)
	}
	return t, nil
}

// readInput reads a whole file, or stdin for "-".
func readInput(stdin io.Reader, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

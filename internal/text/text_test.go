package text_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
)

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"cut here", 3, "cut…"},
		{"naïve", 3, "na…"}, // ï is two bytes: not cut in half
		{"日本語", 4, "日…"},
		{"x", 0, "…"},
	} {
		got := text.Truncate(tc.in, tc.n)
		if got != tc.want || !utf8.ValidString(got) {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
	long := strings.Repeat("é", 1000)
	if got := text.Truncate(long, 101); len(got) > 101+len("…") || !utf8.ValidString(got) {
		t.Errorf("a long text cut to %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
}

// Nearest names a near miss, and nothing for a word that is not one.
func TestNearest(t *testing.T) {
	keys := []string{"externalCustomerId", "emails", "phones", "server.addr", "admin.addr"}
	for in, want := range map[string]string{
		"phone":              "phones",
		"Email":              "emails",
		"externalCustomerID": "externalCustomerId",
		"server.adr":         "server.addr",
		"zzz":                "",
		"transactions":       "",
		"":                   "",
	} {
		if got := text.Nearest(in, keys); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

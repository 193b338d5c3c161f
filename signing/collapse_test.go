package signing

import (
	"strings"
	"testing"
)

// FuzzAppendCollapsed checks that the white-space collapse gives exactly what strings.Fields
// and strings.Join give, for any bytes, valid UTF-8 or not.
func FuzzAppendCollapsed(f *testing.F) {
	for _, s := range []string{"", " ", "a", "  a  b\t\tc ", "a\u00a0b\u2003c", "\xff \xfe", "x\u0085y", "one  two\tthree"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := string(appendCollapsed([]byte("x:"), s))
		if want := "x:" + strings.Join(strings.Fields(s), " "); got != want {
			t.Fatalf("appendCollapsed(%q) = %q, want %q", s, got, want)
		}
	})
}

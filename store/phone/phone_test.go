package phone

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// regions are default regions the phone tests run under: the fast path must not depend on it.
var regions = []string{"US", "CA", "GB", "DE", "IT", "JP"}

// agree fails t when Phone and the library give different answers for s under region.
func agree(t testing.TB, n *store.Normalizer, s string) {
	t.Helper()
	got, gotOK := n.Phone(s)
	want, wantOK := libraryPhone(strings.TrimSpace(s), n.Region())
	if got != want || gotOK != wantOK {
		t.Fatalf("region %s, Phone(%q) = %q %v; the library says %q %v", n.Region(), s, got, gotOK, want, wantOK)
	}
}

func normalizers(t testing.TB) []*store.Normalizer {
	var ns []*store.Normalizer
	for _, r := range regions {
		n, err := NewNormalizer(r)
		if err != nil {
			t.Fatal(err)
		}
		ns = append(ns, n)
	}
	return ns
}

// TestPhoneMatchesTheLibrary compares Phone with the library on the forms next to the fast
// path's edges, and on random North American numbers written with random spacing.
func TestPhoneMatchesTheLibrary(t *testing.T) {
	edges := []string{
		"+14155550123", "+1 415 555 0123", " +14155550123 ", "+1 4155550123", "+1  415 555 0123",
		"+ 14155550123", "+1415555012", "+141555501234", "+10155550123", "+11155550123",
		"+12005550123", "+19995550123", "+1-415-555-0123", "+1 (415) 555-0123", "+1415555012a",
		"+14155550123 ext 5", "+14155550123;ext=5", "14155550123", "4155550123", "+441632960961",
		"+390612345678", "+1 415 555 012", "+1 415 555 01234", "+1 415 555 0123 4", "+1 ", "+1", "+", "", "+1４155550123", "+1\t4155550123",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		b.WriteString("+1")
		for i := range 10 {
			if rng.IntN(4) == 0 {
				b.WriteByte(' ')
			}
			d := byte('0' + rng.IntN(10))
			if i == 0 && rng.IntN(5) != 0 {
				d = byte('2' + rng.IntN(8))
			}
			b.WriteByte(d)
		}
		edges = append(edges, b.String())
	}
	for _, n := range normalizers(t) {
		for _, s := range edges {
			agree(t, n, s)
		}
	}
	// The fast path is taken where it is meant to be, or the test above proves nothing about it.
	for _, s := range []string{"+14155550123", "+1 415 555 0123"} {
		if _, ok := nanpE164(s); !ok {
			t.Errorf("%q is left to the library", s)
		}
	}
}

// FuzzPhone checks that Phone answers every input as the library does.
func FuzzPhone(f *testing.F) {
	for _, s := range []string{"+14155550123", "+1 415 555 0123", "(415) 555-0123", "+11155550123", "+441632960961"} {
		f.Add(s)
	}
	ns := normalizers(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, n := range ns {
			agree(t, n, s)
		}
	})
}

// BenchmarkPhone is the cost of normalising a phone number in the form Gladly sends and in a
// national form the library must parse.
func BenchmarkPhone(b *testing.B) {
	n, err := NewNormalizer("US")
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range []string{"+14155550123", "+1 415 555 0123", "(415) 555-0123"} {
		b.Run(s, func(b *testing.B) {
			for b.Loop() {
				n.Phone(s)
			}
		})
	}
}

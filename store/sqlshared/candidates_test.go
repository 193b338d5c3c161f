package sqlshared

import (
	"maps"
	"slices"
	"testing"
)

func TestLinkKindsAndRanked(t *testing.T) {
	kinds := LinkKinds([]LinkHit[string]{{"C-3", 1}, {"C-1", 2}, {"C-3", 2}, {"C-2", 1}, {"C-4", 2}, {"C-4", 2}})
	if want := map[string]int{"C-1": 2, "C-2": 1, "C-3": LinkedBoth, "C-4": 2}; !maps.Equal(kinds, want) {
		t.Fatalf("kinds = %v, want %v", kinds, want)
	}
	id := func(s string) string { return s }
	both := func(s string) bool { return kinds[s] == LinkedBoth }
	if got := Ranked([]string{"C-4", "C-2", "C-3", "C-1"}, 3, id, both); !slices.Equal(got, []string{"C-3", "C-1", "C-2"}) {
		t.Errorf("linked order = %v, want C-3 (both ways) first, then by id, capped at 3", got)
	}
	if got := Ranked([]string{"C-4", "C-2", "C-3"}, 25, id, nil); !slices.Equal(got, []string{"C-2", "C-3", "C-4"}) {
		t.Errorf("search order = %v", got)
	}
}

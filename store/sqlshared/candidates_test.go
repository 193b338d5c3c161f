package sqlshared

import (
	"slices"
	"testing"
)

func TestRanked(t *testing.T) {
	kinds := map[string]int{"C-1": 2, "C-2": 1, "C-3": LinkedBoth, "C-4": 2}
	id := func(s string) string { return s }
	both := func(s string) bool { return kinds[s] == LinkedBoth }
	if got := Ranked([]string{"C-4", "C-2", "C-3", "C-1"}, 3, id, both); !slices.Equal(got, []string{"C-3", "C-1", "C-2"}) {
		t.Errorf("linked order = %v, want C-3 (both ways) first, then by id, capped at 3", got)
	}
	if got := Ranked([]string{"C-4", "C-2", "C-3"}, 25, id, nil); !slices.Equal(got, []string{"C-2", "C-3", "C-4"}) {
		t.Errorf("search order = %v", got)
	}
}

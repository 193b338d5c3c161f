package sqlshared

import (
	"slices"
	"strings"
)

// MaxCandidates bounds the candidates a lookup reads and orders in Go. Past it (a very
// common name prefix, a shared mailbox) the database orders and caps the rows itself, which
// costs more per query but stays bounded.
const MaxCandidates = 500

// LinkedBoth is the kind of a customer an auto-link found both by email (1) and by phone (2).
const LinkedBoth = 1 | 2

// Ranked orders a lookup's candidate rows as the backends' own queries do past MaxCandidates,
// and keeps the first limit: the rows first reports first (nil: none), then by external id.
func Ranked[R any](rows []R, limit int, externalID func(R) string, first func(R) bool) []R {
	slices.SortFunc(rows, func(a, b R) int {
		if first != nil {
			if fa, fb := first(a), first(b); fa != fb {
				if fa {
					return -1
				}
				return 1
			}
		}
		return strings.Compare(externalID(a), externalID(b))
	})
	return rows[:min(len(rows), limit)]
}

package sqlshared

import (
	"slices"
	"strings"
)

// MaxCandidates bounds the ids a lookup fetches rows for and orders in Go. Past it (a very
// common name prefix, a shared mailbox) the database orders and caps the rows itself, which
// costs more per query but stays bounded.
const MaxCandidates = 500

// LinkHit is one row of a backend's auto-link id query: a customer found by email (Kind 1) or
// by phone (Kind 2).
type LinkHit[ID comparable] struct {
	ID   ID  `db:"customer_id"`
	Kind int `db:"kind"`
}

// LinkedBoth is the kind of a customer found both by email and by phone.
const LinkedBoth = 1 | 2

// LinkKinds folds hits into the ways each customer was found: 1, 2 or LinkedBoth.
func LinkKinds[ID comparable](hits []LinkHit[ID]) map[ID]int {
	kinds := make(map[ID]int, len(hits))
	for _, h := range hits {
		kinds[h.ID] |= h.Kind
	}
	return kinds
}

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

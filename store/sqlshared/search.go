package sqlshared

import (
	"maps"
	"slices"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// Cond is one filled search field: the index table it is looked up in and the test on that
// table, with ? placeholders (sqlx.Rebind turns them into a dialect's own). Every index table
// has a customer_id column naming its customer, and its key leads with the tested columns.
type Cond struct {
	Table, Where string
	Args         []any
}

// Driver selects the customer_id of the customers satisfying c.
func (c Cond) Driver() string {
	return "SELECT DISTINCT customer_id FROM " + c.Table + " WHERE " + c.Where
}

// Filter tests one candidate customer, whose key is the SQL expression key: a primary-key (or
// index) seek.
func (c Cond) Filter(key string) string {
	return "EXISTS (SELECT 1 FROM " + c.Table + " WHERE " + c.Where + " AND customer_id = " + key + ")"
}

// SearchConds lists the filled fields of q, most selective first; the external id is not among
// them (it is a column of customers).
func SearchConds(q store.Search) []Cond {
	var conds []Cond
	if q.Email != "" {
		conds = append(conds, Cond{"customer_emails", "email = ?", []any{q.Email}})
	}
	if q.Phone != "" {
		conds = append(conds, Cond{"customer_phones", "phone = ?", []any{q.Phone}})
	}
	for _, f := range slices.Sorted(maps.Keys(q.Identifiers)) {
		conds = append(conds, Cond{"transaction_identifiers", "field = ? AND value = ?", []any{f, q.Identifiers[f]}})
	}
	for _, n := range slices.Sorted(maps.Keys(q.Attributes)) {
		conds = append(conds, Cond{"customer_attributes", "name = ? AND value = ?", []any{n, store.AttributeKey(q.Attributes[n])}})
	}
	// A name prefix can match a large share of all customers, so it comes last. The range is
	// a prefix match an index serves, in byte order; its upper bound, the word followed by the
	// highest code point, is valid UTF-8 (which PostgreSQL requires of a text parameter).
	for _, w := range q.NameWords {
		conds = append(conds, Cond{"customer_name_words", "word >= ? AND word < ?", []any{w, w + "\U0010FFFF"}})
	}
	return conds
}

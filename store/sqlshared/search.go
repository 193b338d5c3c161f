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

// Filters renders the conditions a candidate customer must also meet — its external id when q
// names one, then each of conds on idColumn — with ? placeholders, as clauses to join with AND.
func Filters(q store.Search, conds []Cond, idColumn string) (clauses []string, args []any) {
	if q.ExternalID != "" {
		clauses = append(clauses, "c.external_id = ?")
		args = append(args, q.ExternalID)
	}
	for _, c := range conds {
		clauses = append(clauses, c.Filter(idColumn))
		args = append(args, c.Args...)
	}
	return clauses, args
}

// SearchSource is where a search for q reads its customers from: the customers table alone when
// q names an external id; else the customer ids of q's first condition, joined to the table by
// join (the dialect's join and key, after the subquery's closing parenthesis). It returns the
// FROM clause, the conditions left to filter by, and the arguments the clause binds.
func SearchSource(q store.Search, join string) (from string, rest []Cond, args []any) {
	conds := SearchConds(q)
	if q.ExternalID != "" {
		return "customers c", conds, nil
	}
	return "(" + conds[0].Driver() + join, conds[1:], conds[0].Args
}

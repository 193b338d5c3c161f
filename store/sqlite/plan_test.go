package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlshared"
	"github.com/lookup-adaptor/lookup-adaptor/store/storetest"
)

// shape is one statement the store runs, with arguments of the right kinds.
type shape struct {
	name  string
	query string
	args  []any
}

// queryShapes is every statement a lookup runs, and what a Load looks up and removes per
// customer.
func queryShapes() []shape {
	var shapes []shape
	add := func(name, q string, args []any) { shapes = append(shapes, shape{name, q, args}) }
	for _, n := range [][2]int{{1, 0}, {0, 1}, {1, 1}, {3, 2}} {
		var args []any
		for i := range n[0] + n[1] {
			args = append(args, fmt.Sprintf("v%d", i))
		}
		add(fmt.Sprintf("link, %d emails and %d phones", n[0], n[1]), linkRows(n[0], n[1]), args)
		add(fmt.Sprintf("link, %d emails and %d phones, many candidates", n[0], n[1]), linkQuery(n[0], n[1], 25), args)
	}
	for _, q := range storetest.SearchShapes() {
		sql, args := searchRows(q, limitClause(sqlshared.MaxCandidates+1))
		add(fmt.Sprintf("search %+v", q), sql, args)
		sql, args = searchRows(q, " ORDER BY c.external_id"+limitClause(25))
		add(fmt.Sprintf("search %+v, many candidates", q), sql, args)
	}
	add("customer", customerQuery, []any{50, "C-1"})
	// What a Load looks up and removes per customer (replace's sweep of unnamed customers
	// reads the whole table by design, once).
	for _, s := range append([]string{loadSQL.find, loadSQL.update, dropCustomer}, loadSQL.dropByCustomer...) {
		add("load", s, make([]any, paramCount(s)))
	}
	return shapes
}

// paramCount is how many arguments statement s takes: one per ?, or for numbered ones (?1),
// the highest number.
func paramCount(s string) int {
	n := 0
	for _, m := range regexp.MustCompile(`\?(\d*)`).FindAllStringSubmatch(s, -1) {
		if m[1] == "" {
			n++
		} else if k, _ := strconv.Atoi(m[1]); k > n {
			n = k
		}
	}
	return n
}

// TestQueryPlansAreIndexSeeks asks SQLite how it runs every query shape and fails on a full
// table scan: each lookup must be an index seek whatever the store's size.
func TestQueryPlansAreIndexSeeks(t *testing.T) {
	norm, _ := phone.NewNormalizer("US")
	ctx := context.Background()
	db, err := Open(ctx, Options{DSN: filepath.Join(t.TempDir(), "plan.db"), Normalizer: norm, Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range queryShapes() {
		var plan []struct {
			ID, Parent, NotUsed int
			Detail              string
		}
		rows, err := db.f.r.QueryxContext(ctx, "EXPLAIN QUERY PLAN "+s.query, s.args...)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		var lines []string
		for rows.Next() {
			var p struct {
				ID, Parent, NotUsed int
				Detail              string
			}
			if err := rows.Scan(&p.ID, &p.Parent, &p.NotUsed, &p.Detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, p)
			lines = append(lines, p.Detail)
		}
		rows.Close()
		t.Logf("%s:\n  %s", s.name, strings.Join(lines, "\n  "))
		for _, p := range plan {
			if scansTable(p.Detail) {
				t.Errorf("%s: full scan %q in plan of\n%s", s.name, p.Detail, s.query)
			}
		}
	}
}

// scansTable reports a plan step that reads a whole table or index rather than seeking. Scans
// of subquery results and temporary B-trees are bounded by the seeks that produce them.
func scansTable(detail string) bool {
	if !strings.HasPrefix(detail, "SCAN ") {
		return false
	}
	for _, table := range []string{"customers", "customer_emails", "customer_phones", "customer_name_words", "customer_attributes", "transaction_identifiers", "transactions", "c"} {
		if strings.HasPrefix(detail, "SCAN "+table+" ") || detail == "SCAN "+table {
			return true
		}
	}
	return false
}

// TestQueriesBindNoLimit keeps LIMIT values out of the bound parameters: SQLite prepares a
// statement again each time one is bound (see limitClause), so a bound LIMIT would compile the
// statement on every lookup.
func TestQueriesBindNoLimit(t *testing.T) {
	bound := regexp.MustCompile(`(?i)\b(LIMIT|OFFSET)\s*[?:@$]`)
	for _, s := range queryShapes() {
		if bound.MatchString(s.query) {
			t.Errorf("%s binds its limit:\n%s", s.name, s.query)
		}
	}
	if !bound.MatchString("SELECT 1 LIMIT ?") {
		t.Fatal("the pattern misses a bound LIMIT")
	}
}

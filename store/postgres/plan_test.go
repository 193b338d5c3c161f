package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/store/postgres/pgtest"
	"github.com/lookup-adaptor/lookup-adaptor/store/storetest"
)

// TestQueryPlans checks that every query shape a lookup or a load runs can be answered with
// index scans: with sequential scans disabled, PostgreSQL's plan for it holds none, and every
// scan has an index condition. (Small test tables would otherwise be scanned whole, as they
// should be; what matters is that an index path exists for a million customers.)
func TestQueryPlans(t *testing.T) {
	ctx := context.Background()
	norm, _ := phone.NewNormalizer("US")
	db, err := Open(ctx, Options{DSN: pgtest.Schema(t), Normalizer: norm, MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	type shape struct {
		name, query string
		args        []any
	}
	shapes := []shape{
		{"link ids", linkIDs, []any{[]string{"a@example.com"}, []string{"+14155550123"}}},
		{"link rows by id", byIDs, []any{[]string{"C-1"}}},
		{"link, many candidates", linkQuery, []any{[]string{"a@example.com"}, []string{"+14155550123"}, 25}},
		{"customer", customerQuery, []any{50, "C-1"}},
	}
	for _, q := range storetest.SearchShapes() {
		query, args := searchQuery(q)
		shapes = append(shapes, shape{fmt.Sprintf("search %+v", q), query, args})
	}
	for _, s := range shapes {
		var raw []byte
		if err := db.db.GetContext(ctx, &raw, "EXPLAIN (FORMAT JSON) "+s.query, s.args...); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		var plan []struct{ Plan node }
		if err := json.Unmarshal(raw, &plan); err != nil {
			t.Fatal(err)
		}
		for _, problem := range plan[0].Plan.problems() {
			t.Errorf("%s: %s\n%s", s.name, problem, raw)
		}
	}
}

// node is one node of an EXPLAIN (FORMAT JSON) plan.
type node struct {
	Type      string `json:"Node Type"`
	Relation  string `json:"Relation Name"`
	IndexCond string `json:"Index Cond"`
	Plans     []node `json:"Plans"`
}

// problems lists the scans under n that no index condition bounds.
func (n node) problems() []string {
	var out []string
	switch {
	case strings.Contains(n.Type, "Seq Scan") && n.Relation != "":
		out = append(out, "sequential scan of "+n.Relation)
	case strings.Contains(n.Type, "Index") && n.IndexCond == "" && n.Relation != "customers":
		out = append(out, "index scan without a condition on "+n.Relation)
	}
	for _, p := range n.Plans {
		out = append(out, p.problems()...)
	}
	return out
}

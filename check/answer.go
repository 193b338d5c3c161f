package check

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"reflect"
	"strings"

	"github.com/lookup-adaptor/lookup-adaptor/transactions"
	"github.com/lookup-adaptor/lookup-adaptor/wirerules"
)

// judgement gathers what is wrong with one answer: failures (Gladly fails the lookup, or the
// protocol is broken) and warnings (Gladly copes, or the data is at fault).
type judgement struct{ fails, warns []string }

func (j *judgement) fail(s string) { j.fails = append(j.fails, s) }
func (j *judgement) warn(s string) { j.warns = append(j.warns, s) }

// verdict is the worst of what was found, and all of it said; ok when nothing was.
func (j *judgement) verdict(ok string) (Verdict, string) {
	switch {
	case len(j.fails) > 0:
		return Fail, strings.Join(append(j.fails, j.warns...), "; ")
	case len(j.warns) > 0:
		return Warn, strings.Join(j.warns, "; ")
	}
	return Pass, ok
}

// answer judges a 200 answer: Gladly's rules for its body (a break fails), its content type
// (Gladly reads the body whatever it says, so another type warns), and the data it carries.
func (j *judgement) answer(contentType string, body []byte, detailed bool) {
	if mt, _, _ := mime.ParseMediaType(contentType); mt != "application/json" {
		j.warn(fmt.Sprintf("Content-Type %q, want application/json", contentType))
	}
	problems := wirerules.Problems(body, detailed)
	for _, p := range problems {
		j.fail(p)
	}
	if len(problems) == 0 {
		j.data(body)
	}
}

// data warns of what Gladly shows wrong or not at all in a well-formed answer: transactions
// whose dates are not ISO 8601 or that break their type's rules, and orders that break the
// readiness rules (docs/operations.md, ORDER readiness).
func (j *judgement) data(body []byte) {
	var a struct {
		Results []struct {
			ID           string            `json:"externalCustomerId"`
			Transactions []json.RawMessage `json:"transactions"`
		} `json:"results"`
	}
	if json.Unmarshal(body, &a) != nil {
		return // wirerules has said what is wrong with it
	}
	for _, r := range a.Results {
		for i, raw := range r.Transactions {
			where := fmt.Sprintf("customer %s transaction %d", r.ID, i+1)
			tx, err := transactions.Parse(raw)
			if err != nil {
				j.warn(where + ": " + strings.TrimPrefix(err.Error(), "transactions: "))
				continue
			}
			if rules := transactions.OrderProblems(tx); len(rules) > 0 {
				j.warn(fmt.Sprintf("%s (ORDER %s) lacks %s", where, transactions.OrderNumber(tx), strings.Join(rules, ", ")))
			}
		}
	}
}

// populated examines the answers about a stored customer, when Options name one: searches by
// Email (one with uniqueMatchRequired, which must answer one customer at most) and a detailed
// lookup of Customer, or else of the first customer the search found.
func (c *checker) populated(ctx context.Context) []Result {
	var out []Result
	id := c.o.Customer
	if c.o.Email != "" {
		search := func(unique bool) probe {
			return probe{body: fmt.Sprintf(`{"lookupLevel":"BASIC","query":{"emails":[%s]},"uniqueMatchRequired":%t}`, quote(c.o.Email), unique)}
		}
		r, a := c.lookup(ctx, "a search by --email finds its customers", search(false))
		if a != nil && r.Verdict != Fail {
			found := resultIDs(a.body)
			if len(found) == 0 {
				r.Verdict, r.Detail = Fail, "no result: no customer with that email is stored, so nothing was examined"
			} else if id == "" {
				id = found[0]
			}
			if r.Verdict == Pass {
				r.Detail = fmt.Sprintf("%d customers; strings only, ISO dates, orders ready", len(found))
			}
		}
		out = append(out, r)
		r, a = c.lookup(ctx, "a search by --email with uniqueMatchRequired answers one at most", search(true))
		if a != nil && r.Verdict != Fail {
			if n := len(resultIDs(a.body)); n > 1 {
				r.Verdict, r.Detail = Fail, fmt.Sprintf("%d results: uniqueMatchRequired is ignored (Gladly then links none of them, or the wrong one)", n)
			} else if r.Verdict == Pass {
				r.Detail = fmt.Sprintf("%d results", n)
			}
		}
		out = append(out, r)
	}
	if id != "" {
		r, a := c.lookup(ctx, "a detailed lookup of "+id+" answers that customer",
			probe{detailed: true, body: fmt.Sprintf(`{"lookupLevel":"DETAILED","query":{"externalCustomerId":%s},"uniqueMatchRequired":true}`, quote(id))})
		if a != nil && r.Verdict != Fail {
			switch found := resultIDs(a.body); {
			case len(found) == 0:
				r.Verdict, r.Detail = Fail, "no result: is "+id+" stored?"
			case found[0] != id:
				r.Verdict, r.Detail = Fail, "answered customer "+found[0]
			case r.Verdict == Pass:
				r.Detail = "one result; strings only, ISO dates, orders ready"
			}
		}
		out = append(out, r)
	}
	return out
}

// resultIDs lists the externalCustomerId of each result in an answer.
func resultIDs(body []byte) []string {
	var a struct {
		Results []struct {
			ID string `json:"externalCustomerId"`
		} `json:"results"`
	}
	_ = json.Unmarshal(body, &a) // judged already: a bad body has failed
	ids := make([]string, len(a.Results))
	for i, r := range a.Results {
		ids[i] = r.ID
	}
	return ids
}

// quote renders s as a JSON string.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

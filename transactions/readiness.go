package transactions

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The rules an ORDER must meet for Gladly's AI agent (Sidekick) to answer "where is my
// order?" from it.
const (
	RuleOrderNumber   = "orderNumber present"
	RuleCreatedAt     = "createdAt in ISO 8601"
	RuleOrderStatus   = "orderStatus present"
	RuleOrderTotal    = "orderTotal with a currency symbol"
	RuleCurrencyCode  = "currencyCode (ISO 4217)"
	RuleProducts      = "products listed"
	RuleFulfillments  = "fulfillments listed"
	RuleFulfillStatus = "every fulfillment has a status"
	RuleTracking      = "every fulfillment has tracking"
	RuleProductIDs    = "fulfillments' productIds name real products"
	// What Gladly's App Platform order mapping (gladly_order) reads wrong: it parses dates as
	// RFC 3339 date-times only (a date-only value becomes null), and money with a number pattern
	// that stops at a thousands separator ("£1,200.00" becomes 1).
	RuleDateTimes = "createdAt and estimatedDeliveryDate as RFC 3339 date-times (gladly_order reads a date-only value as null)"
	RuleMoney     = "orderTotal and prices as one plain number, no thousands separators (gladly_order reads £1,200.00 as 1)"
)

// ReadinessRules lists the rules in the order reports give them.
func ReadinessRules() []string {
	return []string{RuleOrderNumber, RuleCreatedAt, RuleOrderStatus, RuleOrderTotal, RuleCurrencyCode,
		RuleProducts, RuleFulfillments, RuleFulfillStatus, RuleTracking, RuleProductIDs, RuleDateTimes, RuleMoney}
}

// OrderProblems lists the readiness rules an ORDER breaks, in ReadinessRules order; nil for
// one that is ready, and for a transaction of any other type.
func OrderProblems(tx Transaction) []string {
	if tx.Type() != Order {
		return nil
	}
	var o struct {
		OrderNumber  string `json:"orderNumber"`
		CreatedAt    string `json:"createdAt"`
		OrderStatus  string `json:"orderStatus"`
		OrderTotal   string `json:"orderTotal"`
		CurrencyCode string `json:"currencyCode"`
		Products     []struct {
			ID        string `json:"id"`
			UnitPrice string `json:"unitPrice"`
			Total     string `json:"total"`
		} `json:"products"`
		Fulfillments []struct {
			Status                string   `json:"status"`
			TrackingNumber        string   `json:"trackingNumber"`
			TrackingURL           string   `json:"trackingUrl"`
			ProductIDs            []string `json:"productIds"`
			EstimatedDeliveryDate string   `json:"estimatedDeliveryDate"`
		} `json:"fulfillments"`
	}
	_ = json.Unmarshal(tx.Wire(), &o) // the wire form is validated, string-only JSON
	broken := map[string]bool{
		RuleOrderNumber:  o.OrderNumber == "",
		RuleCreatedAt:    !isISOTime(o.CreatedAt),
		RuleOrderStatus:  o.OrderStatus == "",
		RuleOrderTotal:   !hasCurrencySymbol(o.OrderTotal),
		RuleCurrencyCode: !isCurrencyCode(o.CurrencyCode),
		RuleProducts:     len(o.Products) == 0,
		RuleFulfillments: len(o.Fulfillments) == 0,
		RuleDateTimes:    o.CreatedAt != "" && !isDateTime(o.CreatedAt),
		RuleMoney:        o.OrderTotal != "" && !plainAmount(o.OrderTotal),
	}
	ids := map[string]bool{}
	for _, p := range o.Products {
		ids[p.ID] = p.ID != ""
		for _, price := range []string{p.UnitPrice, p.Total} {
			broken[RuleMoney] = broken[RuleMoney] || price != "" && !plainAmount(price)
		}
	}
	for _, f := range o.Fulfillments {
		broken[RuleDateTimes] = broken[RuleDateTimes] || f.EstimatedDeliveryDate != "" && !isDateTime(f.EstimatedDeliveryDate)
		broken[RuleFulfillStatus] = broken[RuleFulfillStatus] || f.Status == ""
		broken[RuleTracking] = broken[RuleTracking] || (f.TrackingNumber == "" && f.TrackingURL == "")
		for _, id := range f.ProductIDs {
			broken[RuleProductIDs] = broken[RuleProductIDs] || !ids[id]
		}
		broken[RuleProductIDs] = broken[RuleProductIDs] || len(f.ProductIDs) == 0
	}
	var out []string
	for _, r := range ReadinessRules() {
		if broken[r] {
			out = append(out, r)
		}
	}
	return out
}

func isISOTime(s string) bool {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// isDateTime reports whether s is a full RFC 3339 date-time, with its zone.
func isDateTime(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// plainAmount reports whether the first number in s — digits, then a fraction after a point —
// is its only one: what a number pattern reads from "$50.00", and not from "£1,200.00"
// (it stops at the comma) or from "free" (no number at all).
func plainAmount(s string) bool {
	i := strings.IndexFunc(s, unicode.IsDigit)
	if i < 0 {
		return false
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j+1 < len(s) && s[j] == '.' && s[j+1] >= '0' && s[j+1] <= '9' {
		for j++; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
		}
	}
	return !strings.ContainsFunc(s[j:], unicode.IsDigit)
}

func hasCurrencySymbol(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Sc, r) {
			return true
		}
	}
	return false
}

func isCurrencyCode(s string) bool {
	return len(s) == 3 && strings.ToUpper(s) == s && utf8.RuneCountInString(s) == 3 &&
		!strings.ContainsFunc(s, func(r rune) bool { return r < 'A' || r > 'Z' })
}

// maxExamples is how many offending orders a Readiness names per rule.
const maxExamples = 3

// Readiness is the ORDER readiness report over many customers' orders.
type Readiness struct {
	Orders int            // ORDER transactions seen
	Ready  int            // of them, those breaking no rule
	Broken map[string]int // rule → orders breaking it
	// Examples names the first few orders breaking each rule ("C-1001 order 1002").
	Examples map[string][]string
}

// Add counts the orders among a customer's transactions.
func (r *Readiness) Add(customer string, txs []Transaction) {
	for _, tx := range txs {
		if tx.Type() != Order {
			continue
		}
		r.Orders++
		problems := OrderProblems(tx)
		if len(problems) == 0 {
			r.Ready++
			continue
		}
		if r.Broken == nil {
			r.Broken, r.Examples = map[string]int{}, map[string][]string{}
		}
		name := customer + " order " + OrderNumber(tx)
		for _, p := range problems {
			r.Broken[p]++
			if len(r.Examples[p]) < maxExamples {
				r.Examples[p] = append(r.Examples[p], name)
			}
		}
	}
}

// OrderNumber names an order in a report: its orderNumber, or "(no orderNumber)".
func OrderNumber(tx Transaction) string {
	for _, id := range tx.Identifiers() {
		if id[0] == "orderNumber" {
			return id[1]
		}
	}
	return "(no orderNumber)"
}

// Lines renders the report: a summary, then one line per broken rule with its first examples.
func (r *Readiness) Lines() []string {
	if r.Orders == 0 {
		return []string{"ORDER readiness: no orders"}
	}
	out := []string{fmt.Sprintf("ORDER readiness: %d of %d orders ready for Gladly's AI agent", r.Ready, r.Orders)}
	for _, rule := range ReadinessRules() {
		if n := r.Broken[rule]; n > 0 {
			out = append(out, fmt.Sprintf("  %d orders lack %s (e.g. %s)", n, rule, strings.Join(slices.Clone(r.Examples[rule]), ", ")))
		}
	}
	return out
}

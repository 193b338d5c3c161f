package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/spf13/cobra"
)

func generateCommand() *cobra.Command {
	var customers, txs int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "generate --customers N [--transactions T] [--seed S]",
		Short: "Write N realistic synthetic customers as JSONL to stdout (for load tests)",
		Long: "Write N synthetic customers, one JSON object per line, in the seed format (docs/data.md).\n" +
			"The output depends only on the flags: customer i is C-<i>, with the email\n" +
			"first.last.<i>@example.com, a unique phone +1 415 XXX XXXX and T transactions of every type.",
		Example: "  lookup-adaptor generate --customers 1000000 --transactions 20 > big.jsonl",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if customers < 0 || txs < 0 {
				return fmt.Errorf("--customers and --transactions must not be negative")
			}
			return generate(cmd.OutOrStdout(), customers, txs, seed)
		},
	}
	cmd.Flags().IntVar(&customers, "customers", 1000, "how many customers")
	cmd.Flags().IntVar(&txs, "transactions", 3, "transactions per customer")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed (same seed, same output)")
	return cmd
}

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "Donald", "Margaret", "Dennis", "Frances", "Ken", "Radia", "John", "Hedy", "Tim", "Annie", "Claude", "Joan", "Linus", "Sophie"}
	lastNames  = []string{"Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Ritchie", "Allen", "Thompson", "Perlman", "McCarthy", "Lamarr", "Berners-Lee", "Easley", "Shannon", "Clarke", "Torvalds", "Wilson"}
	cities     = []string{"London", "Paris", "San Francisco", "New York", "Austin", "Toronto", "Berlin", "Dublin"}
	tiers      = []string{"bronze", "silver", "gold", "platinum"}
	statuses   = []string{"processing", "shipped", "delivered", "cancelled"}
	airports   = []string{"SFO", "JFK", "LHR", "CDG", "YYZ", "BER", "DUB", "AUS"}
)

// generate writes n customers; everything but the random picks is derived from the index, so
// ids, emails, phones and order numbers are unique.
func generate(out io.Writer, n, txPer int, seed uint64) error {
	w := bufio.NewWriterSize(out, 1<<20)
	enc := json.NewEncoder(w)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	for i := 1; i <= n; i++ {
		first, last := pick(firstNames), pick(lastNames)
		c := map[string]any{
			"externalCustomerId": fmt.Sprintf("C-%d", i),
			"name":               first + " " + last,
			"address":            fmt.Sprintf("%d %s Street, %s", 1+rng.IntN(999), pick(lastNames), pick(cities)),
			"emails":             []map[string]string{{"original": fmt.Sprintf("%s.%s.%d@example.com", first, last, i)}},
			"phones":             []map[string]string{{"original": fmt.Sprintf("+1 415 %03d %04d", 200+i/10000%800, i%10000), "type": "MOBILE"}},
			"customAttributes": map[string]any{
				"tier": pick(tiers), "points": rng.IntN(100000), "vip": rng.IntN(10) == 0,
				"lifetimeValue": fmt.Sprintf("$%d.%02d", rng.IntN(10000), rng.IntN(100)),
			},
		}
		txList := make([]map[string]any, 0, txPer)
		for j := 0; j < txPer; j++ {
			at := base.Add(time.Duration(rng.IntN(300*24)) * time.Hour)
			txList = append(txList, syntheticTransaction(rng, i, j, at, pick))
		}
		if len(txList) > 0 {
			c["transactions"] = txList
		}
		if err := enc.Encode(c); err != nil {
			return err
		}
	}
	return w.Flush()
}

func syntheticTransaction(rng *rand.Rand, i, j int, at time.Time, pick func([]string) string) map[string]any {
	id := fmt.Sprintf("%d%03d", i, j)
	switch j % 5 {
	case 0, 3:
		qty := 1 + rng.IntN(3)
		return map[string]any{
			"type": "ORDER", "orderNumber": id, "createdAt": at.Format(time.RFC3339), "orderStatus": pick(statuses),
			"orderTotal": fmt.Sprintf("$%d.00", 10*qty), "currencyCode": "USD", "itemCount": qty,
			"products":     []map[string]any{{"id": 1, "name": "Socks", "sku": "SOCK-1", "quantity": qty, "unitPrice": "$10.00"}},
			"fulfillments": []map[string]any{{"productIds": []int{1}, "status": pick(statuses), "carrier": "UPS", "trackingNumber": "1Z" + id}},
		}
	case 1:
		return map[string]any{
			"type": "FLIGHT", "confirmationCode": "F" + id, "airline": "Example Air", "flightNumber": 100 + rng.IntN(900),
			"departureAirport": pick(airports), "arrivalAirport": pick(airports),
			"departureTime": at.Format(time.RFC3339), "arrivalTime": at.Add(7 * time.Hour).Format(time.RFC3339), "status": "confirmed",
		}
	case 2:
		return map[string]any{
			"type": "STAY", "confirmationNumber": "S" + id, "propertyName": "Hotel " + pick(cities),
			"checkInDate": at.Format(time.DateOnly), "checkOutDate": at.AddDate(0, 0, 3).Format(time.DateOnly),
			"guests": 1 + rng.IntN(3), "total": fmt.Sprintf("$%d.00", 100+rng.IntN(900)), "createdAt": at.Format(time.RFC3339),
		}
	default:
		return map[string]any{
			"type": "SUBSCRIPTION", "subscriptionId": "SUB-" + id, "planName": "Sock of the Month", "status": "active",
			"startDate": at.Format(time.DateOnly), "frequency": "monthly", "price": "$12.00", "createdAt": at.Format(time.RFC3339),
		}
	}
}

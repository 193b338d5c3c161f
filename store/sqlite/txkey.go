package sqlite

import (
	"fmt"
	"strconv"
)

// A customer's transactions are stored in chunks of chunkSize, newest first, each one row of
// transaction_chunks holding its part of the transactions column already rendered (sqlshared's
// form). A chunk's rowid is its customer's id shifted left by chunkBits, plus its number, so
// that a customer's chunks are one range of a B-tree whose interior pages hold only integers,
// and a detailed lookup reads the first chunk or few. Migration 0004 writes the same keys, with
// the numbers spelled out, from migration 0003's rows, which were keyed by the same shift plus
// each transaction's seq.
const (
	chunkBits = 24
	chunkSize = 64
)

// maxChunks is how many chunks a customer can have: more transactions than one 16 MiB seed line
// holds.
const maxChunks = 1 << chunkBits

// maxCustomerID is the highest customer id whose transactions have keys.
const maxCustomerID = 1<<(63-chunkBits) - 1

// chunkKey is the rowid of a customer's chunk number n.
func chunkKey(customerID int64, n int) (int64, error) {
	if n >= maxChunks {
		return 0, fmt.Errorf("more than %d transactions", maxChunks*chunkSize)
	}
	if customerID > maxCustomerID {
		return 0, fmt.Errorf("its id %d is past the last one transactions can be stored for", customerID)
	}
	return customerID<<chunkBits | int64(n), nil
}

// chunksFor is how many chunks hold a customer's newest n transactions.
func chunksFor(n int) int {
	return min((max(n, 0)+chunkSize-1)/chunkSize, maxChunks)
}

// chunkRange is the condition selecting chunk table t's first count chunks (an SQL expression,
// at most maxChunks) of customer expr (another).
func chunkRange(expr, count string) string {
	start := "(" + expr + " << " + strconv.Itoa(chunkBits) + ")"
	return "t.id >= " + start + " AND t.id < " + start + " + " + count
}

package sqlite

import (
	"fmt"
	"strconv"
)

// A transaction's rowid is its customer's id shifted left by seqBits, plus its seq (its rank,
// newest first), so that a customer's transactions are one range of the table's own B-tree.
// That tree's interior pages hold nothing but integers. Keyed by (customer_id, seq) WITHOUT
// ROWID, as before migration 0003, every interior page held whole rows, a dozen to a page, and
// a detailed lookup read 7.7 pages from the file where it now reads 5.8. Migration 0003 writes
// the same keys, with 24 spelled out.
const seqBits = 24

// maxSeqs is how many transactions a customer can have: far more than one 16 MiB seed line
// holds.
const maxSeqs = 1 << seqBits

// maxCustomerID is the highest customer id whose transactions have keys.
const maxCustomerID = 1<<(63-seqBits) - 1

// txKey is the rowid of a customer's transaction of rank seq.
func txKey(customerID int64, seq int) (int64, error) {
	if seq >= maxSeqs {
		return 0, fmt.Errorf("more than %d transactions", maxSeqs)
	}
	if customerID > maxCustomerID {
		return 0, fmt.Errorf("its id %d is past the last one transactions can be stored for", customerID)
	}
	return customerID<<seqBits | int64(seq), nil
}

// txRange is the condition selecting the transactions of customer expr (an SQL expression)
// whose seq is below limit, another SQL expression at most maxSeqs.
func txRange(expr, limit string) string {
	start := "(" + expr + " << " + strconv.Itoa(seqBits) + ")"
	return "t.id >= " + start + " AND t.id < " + start + " + " + limit
}

// txSeq is the SQL expression of transaction t's seq.
var txSeq = "(t.id & " + strconv.Itoa(maxSeqs-1) + ")"

package sqlite

import "testing"

// TestTxKey: keys keep a customer's transactions in one range, in seq order, apart from the
// next customer's, and refuse what would not fit.
func TestTxKey(t *testing.T) {
	key := func(id int64, seq int) int64 {
		t.Helper()
		k, err := txKey(id, seq)
		if err != nil {
			t.Fatalf("txKey(%d, %d): %v", id, seq, err)
		}
		return k
	}
	if !(key(7, 0) < key(7, 1) && key(7, 1) < key(7, maxSeqs-1) && key(7, maxSeqs-1) < key(8, 0)) {
		t.Error("keys are not ordered by customer, then seq")
	}
	if k := key(maxCustomerID, maxSeqs-1); k <= 0 {
		t.Errorf("the last key overflows: %d", k)
	}
	if _, err := txKey(7, maxSeqs); err == nil {
		t.Error("a seq past maxSeqs was given a key (it would be the next customer's)")
	}
	if _, err := txKey(maxCustomerID+1, 0); err == nil {
		t.Error("a customer id past maxCustomerID was given a key")
	}
}

package sqlite

import "testing"

// TestChunkKey: keys keep a customer's chunks in one range, in order, apart from the next
// customer's, and refuse what would not fit.
func TestChunkKey(t *testing.T) {
	key := func(id int64, n int) int64 {
		t.Helper()
		k, err := chunkKey(id, n)
		if err != nil {
			t.Fatalf("chunkKey(%d, %d): %v", id, n, err)
		}
		return k
	}
	if !(key(7, 0) < key(7, 1) && key(7, 1) < key(7, maxChunks-1) && key(7, maxChunks-1) < key(8, 0)) {
		t.Error("keys are not ordered by customer, then chunk")
	}
	if k := key(maxCustomerID, maxChunks-1); k <= 0 {
		t.Errorf("the last key overflows: %d", k)
	}
	if _, err := chunkKey(7, maxChunks); err == nil {
		t.Error("a chunk past maxChunks was given a key (it would be the next customer's)")
	}
	if _, err := chunkKey(maxCustomerID+1, 0); err == nil {
		t.Error("a customer id past maxCustomerID was given a key")
	}
	for n, want := range map[int]int{-1: 0, 0: 0, 1: 1, chunkSize: 1, chunkSize + 1: 2, 50: 1, 1 << 40: maxChunks} {
		if got := chunksFor(n); got != want {
			t.Errorf("chunksFor(%d) = %d, want %d", n, got, want)
		}
	}
}

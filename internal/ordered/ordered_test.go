package ordered_test

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/internal/goroutines"
	"github.com/lookup-adaptor/lookup-adaptor/internal/ordered"
)

// TestMapKeepsOrder gives batches uneven work, so that they finish out of order, and expects
// every result in input order — also for lengths that are not a multiple of the batch.
func TestMapKeepsOrder(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 5000} {
		got := slices.Collect(ordered.Map(slices.Values(rangeInts(n)), func(i int) int {
			if rand.IntN(50) == 0 {
				time.Sleep(time.Millisecond)
			}
			return i * i
		}))
		if len(got) != n {
			t.Fatalf("n=%d: %d results", n, len(got))
		}
		for i, v := range got {
			if v != i*i {
				t.Fatalf("n=%d: result %d is %d, want %d", n, i, v, i*i)
			}
		}
	}
}

// TestMapStopsEarly stops after a few results, many times: the reading stops and no goroutine
// is left running.
func TestMapStopsEarly(t *testing.T) {
	before := runtime.NumGoroutine()
	var read atomic.Int64 // the reader is not waited for, so it may still be counting
	for range 50 {
		endless := func(yield func(int) bool) {
			for i := 0; ; i++ {
				read.Add(1)
				if !yield(i) {
					return
				}
			}
		}
		k := 0
		for range ordered.Map(endless, func(i int) int { return i }) {
			if k++; k == 100 {
				break
			}
		}
	}
	goroutines.NoneLeft(t, before)
	if r := read.Load(); r > int64(50*(100+64*(2*runtime.GOMAXPROCS(0)+3))) {
		t.Fatalf("read %d values for 50 × 100 results: reading does not stop", r)
	}
}

func rangeInts(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

package signing

import (
	"sync"
	"time"
)

// Replays remembers the signatures of verified requests until they would be refused as stale,
// so that the same signed request arriving twice can be noticed. It holds what its freshness
// window holds: a signature whose window has ended makes room first; while every signature is
// still within its window it grows, up to its capacity, and only past that does it forget a
// live one — which Seen reports, so that the loss can be counted. It is per process (replicas
// do not share it) and safe for concurrent use.
type Replays struct {
	mu       sync.Mutex
	capacity int
	until    map[[32]byte]int64 // signature → when it stops counting (Unix ns; 0 never): no pointers, so the GC does not scan it
	order    [][32]byte         // ring of the signatures in arrival order, oldest at head
	head, n  int
}

// DefaultReplayCapacity is the most signatures a Replays made by NewReplays(0) holds: a 5-minute
// window of about 850 requests a second, in about 25 MiB. It starts small and grows only as the
// window needs.
const DefaultReplayCapacity = 1 << 18

// firstReplayRing is the ring a Replays starts with.
const firstReplayRing = 1 << 10

// NewReplays returns an empty Replays holding at most capacity signatures (0 means
// DefaultReplayCapacity).
func NewReplays(capacity int) *Replays {
	if capacity <= 0 {
		capacity = DefaultReplayCapacity
	}
	return &Replays{capacity: capacity, until: make(map[[32]byte]int64), order: make([][32]byte, min(capacity, firstReplayRing))}
}

// Seen records sig as seen until the time until, and reports whether it had been recorded
// before and that record had not yet expired at now. evicted says that, to make room, a
// signature still within its window was forgotten: a replay of it would go unnoticed. A zero
// until never expires (freshness checks off); such records leave only when capacity pushes
// them out, and their leaving is not reported as an eviction.
func (r *Replays) Seen(sig []byte, until, now time.Time) (seen, evicted bool) {
	var key [32]byte
	copy(key[:], sig)
	r.mu.Lock()
	defer r.mu.Unlock()
	end := int64(0)
	if !until.IsZero() {
		end = until.UnixNano()
	}
	if prev, ok := r.until[key]; ok {
		if prev == 0 || now.UnixNano() < prev {
			return true, false
		}
		r.until[key] = end // expired: counts afresh, in the place it had
		return false, false
	}
	if r.n == len(r.order) {
		oldest := r.until[r.order[r.head]]
		live := oldest != 0 && now.UnixNano() < oldest
		if live && len(r.order) < r.capacity {
			r.grow()
		} else {
			evicted = live
			delete(r.until, r.order[r.head])
			r.head = (r.head + 1) % len(r.order)
			r.n--
		}
	}
	r.order[(r.head+r.n)%len(r.order)] = key
	r.n++
	r.until[key] = end
	return false, evicted
}

// grow doubles the ring (up to capacity), oldest first.
func (r *Replays) grow() {
	next := make([][32]byte, min(2*len(r.order), r.capacity))
	for i := range r.n {
		next[i] = r.order[(r.head+i)%len(r.order)]
	}
	r.order, r.head = next, 0
}

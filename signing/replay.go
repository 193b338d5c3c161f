package signing

import (
	"sync"
	"time"
)

// Replays remembers the signatures of verified requests until they would be refused as stale,
// so that the same signed request arriving twice can be noticed. Its memory is bounded: past
// Capacity signatures the oldest is forgotten first. It is per process — replicas do not share
// it. A Replays is safe for concurrent use.
type Replays struct {
	mu       sync.Mutex
	capacity int
	until    map[[32]byte]int64 // signature → when it stops counting (Unix ns; 0 never): no pointers, so the GC does not scan it
	order    [][32]byte         // ring of the signatures in arrival order
	next     int                // where the next signature goes in order
}

// DefaultReplayCapacity is the number of signatures a Replays made by NewReplays(0) holds:
// about a minute of a busy adaptor's traffic in about 6 MiB.
const DefaultReplayCapacity = 1 << 16

// NewReplays returns an empty Replays holding at most capacity signatures (0 means
// DefaultReplayCapacity).
func NewReplays(capacity int) *Replays {
	if capacity <= 0 {
		capacity = DefaultReplayCapacity
	}
	return &Replays{capacity: capacity, until: make(map[[32]byte]int64)}
}

// Seen records sig as seen until the time until, and reports whether it had been recorded
// before and that record had not yet expired at now. A zero until never expires (freshness
// checks off); such records leave only when capacity pushes them out.
func (r *Replays) Seen(sig []byte, until, now time.Time) bool {
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
			return true
		}
		r.until[key] = end // expired: counts afresh, in the place it had
		return false
	}
	if len(r.order) < r.capacity {
		r.order = append(r.order, key)
	} else {
		delete(r.until, r.order[r.next])
		r.order[r.next] = key
		r.next = (r.next + 1) % r.capacity
	}
	r.until[key] = end
	return false
}

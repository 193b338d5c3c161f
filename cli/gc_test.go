package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestTuneGC: serve's collector defaults apply only where the environment sets nothing.
func TestTuneGC(t *testing.T) {
	prevPercent, prevLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(prevPercent); debug.SetMemoryLimit(prevLimit) })

	unset := func(string) (string, bool) { return "", false }
	if p, l := tuneGC(unset); p != serveGCPercent || l != serveMemoryLimit {
		t.Errorf("with nothing set: GOGC %d, limit %d; want %d, %d", p, l, serveGCPercent, serveMemoryLimit)
	}

	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	set := func(string) (string, bool) { return "x", true }
	if p, l := tuneGC(set); p != 100 || l != math.MaxInt64 {
		t.Errorf("with GOGC and GOMEMLIMIT set: GOGC %d, limit %d; want them untouched", p, l)
	}

	// seed's limit holds while it runs, and the one before it comes back after.
	restore := limitMemory(unset, seedMemoryLimit)
	if l := debug.SetMemoryLimit(-1); l != seedMemoryLimit {
		t.Errorf("seed's limit: %d", l)
	}
	restore()
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Errorf("after seed: limit %d, want the previous one", l)
	}
	limitMemory(set, seedMemoryLimit)()
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set: limit %d, want it untouched", l)
	}
}

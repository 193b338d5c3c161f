// Package goroutines runs and accounts for the background goroutines of tests: load that runs
// beside what a test checks, and the check that nothing is left running afterwards.
package goroutines

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// Repeat calls f on n goroutines, each again and again until f returns false or stop is
// called; stop waits for them all to return.
func Repeat(n int, f func() bool) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if !f() {
					return
				}
			}
		})
	}
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		wg.Wait()
	}
}

// NoneLeft fails t unless the number of goroutines falls back to before (a count taken with
// runtime.NumGoroutine) within five seconds.
func NoneLeft(t testing.TB, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Fatalf("%d goroutines left running, %d before", g, before)
	}
}

package goroutines_test

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/internal/goroutines"
)

// TestRepeat: every goroutine runs until stop, one whose f returns false stops alone, and after
// stop none is left.
func TestRepeat(t *testing.T) {
	before := runtime.NumGoroutine()
	var calls, quitters atomic.Int64
	stop := goroutines.Repeat(4, func() bool {
		if calls.Add(1) == 10 {
			quitters.Add(1)
			return false
		}
		return true
	})
	for calls.Load() < 1000 {
		runtime.Gosched()
	}
	stop()
	stop() // a second stop is harmless
	if quitters.Load() != 1 {
		t.Errorf("%d goroutines quit on false, want 1", quitters.Load())
	}
	n := calls.Load()
	goroutines.NoneLeft(t, before)
	if calls.Load() != n {
		t.Error("f was called after stop returned")
	}
}

// TestNoneLeftFails: a goroutine still running makes NoneLeft fail.
func TestNoneLeftFails(t *testing.T) {
	before := settled()
	release := make(chan struct{})
	defer close(release)
	go func() { <-release }()
	ft := &fakeT{}
	func() {
		defer func() { _ = recover() }()
		goroutines.NoneLeft(ft, before)
	}()
	if !ft.failed {
		t.Error("NoneLeft passed with a goroutine still running")
	}
}

// settled is the goroutine count once it stops changing: the goroutine that ran the previous
// test may still be on its way out, and its exit would hide the one a test starts.
func settled() int {
	n := runtime.NumGoroutine()
	for range 100 {
		time.Sleep(10 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return n
		}
		n = m
	}
	return n
}

// fakeT records a Fatalf and stops the caller, as testing.T would.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(string, ...any) {
	f.failed = true
	panic("fatal")
}

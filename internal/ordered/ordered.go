// Package ordered runs a function over a sequence on every core and yields the results in the
// sequence's order — the shape of a seed load, whose records are parsed and prepared in
// parallel but written one after another, in file order.
package ordered

import (
	"iter"
	"runtime"
	"sync"
)

// batchSize is how many values one goroutine takes at a time: enough to make handing them over
// cheap beside the work, few enough to keep what is in flight small.
const batchSize = 64

// Map yields f(v) for each v of seq, in seq's order. f runs on GOMAXPROCS goroutines; seq is
// read on one more, at most a few batches per goroutine ahead of the consumer, so memory stays
// flat however long seq is. Stopping early stops reading seq at its next value and waits for
// the goroutines running f, never for the one reading seq (which may be blocked on input).
func Map[In, Out any](seq iter.Seq[In], f func(In) Out) iter.Seq[Out] {
	type batch struct {
		in   []In
		out  []Out
		done chan struct{}
	}
	return func(yield func(Out) bool) {
		workers := runtime.GOMAXPROCS(0)
		stop := make(chan struct{})
		jobs := make(chan *batch)
		inOrder := make(chan *batch, 2*workers) // batches as read, done or not
		var wg sync.WaitGroup
		defer func() { close(stop); wg.Wait() }()
		for range workers {
			wg.Go(func() {
				for {
					select {
					case b, ok := <-jobs:
						if !ok {
							return
						}
						for i, v := range b.in {
							b.out[i] = f(v)
						}
						close(b.done)
					case <-stop:
						return
					}
				}
			})
		}
		go func() {
			defer close(inOrder)
			defer close(jobs)
			var cur []In
			send := func() bool {
				b := &batch{in: cur, out: make([]Out, len(cur)), done: make(chan struct{})}
				cur = nil
				for _, ch := range []chan *batch{inOrder, jobs} {
					select {
					case ch <- b:
					case <-stop:
						return false
					}
				}
				return true
			}
			for v := range seq {
				if cur = append(cur, v); len(cur) == batchSize && !send() {
					return
				}
			}
			if len(cur) > 0 {
				send()
			}
		}()
		for b := range inOrder {
			<-b.done
			for _, v := range b.out {
				if !yield(v) {
					return
				}
			}
		}
	}
}

package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// progress reports a long load: a redrawn bar on a terminal, a line every few seconds otherwise.
type progress struct {
	out      io.Writer
	terminal bool
	every    time.Duration

	name  string
	size  int64
	bytes atomic.Int64
	count int
	begin time.Time
	last  time.Time
}

func newProgress(out io.Writer) *progress {
	p := &progress{out: out, every: 5 * time.Second}
	if f, ok := out.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.terminal, p.every = true, 200*time.Millisecond
		}
	}
	return p
}

// reader starts reporting on a file and returns a reader that counts its bytes.
func (p *progress) reader(name string, f *os.File) io.Reader {
	p.name, p.size, p.count = name, 0, 0
	p.bytes.Store(0)
	if fi, err := f.Stat(); err == nil {
		p.size = fi.Size()
	}
	p.begin = time.Now()
	p.last = p.begin
	return readerFunc(func(b []byte) (int, error) {
		n, err := f.Read(b)
		p.bytes.Add(int64(n))
		return n, err
	})
}

// track counts the customers records yields and reports every p.every.
func (p *progress) track(records store.Records) store.Records {
	return func(yield func(store.Customer, error) bool) {
		for c, err := range records {
			p.count++
			if p.count%1000 == 0 && time.Since(p.last) >= p.every {
				p.last = time.Now()
				p.report()
			}
			if !yield(c, err) {
				return
			}
		}
	}
}

func (p *progress) report() {
	rate := float64(p.count) / time.Since(p.begin).Seconds()
	pct := 0.0
	if p.size > 0 {
		pct = 100 * float64(p.bytes.Load()) / float64(p.size)
	}
	if p.terminal {
		bar := strings.Repeat("#", int(pct/5)) + strings.Repeat("-", 20-int(pct/5))
		fmt.Fprintf(p.out, "\r%s [%s] %3.0f%% %d customers %.0f/s ", p.name, bar, pct, p.count, rate)
		return
	}
	fmt.Fprintf(p.out, "%s: %.0f%%, %d customers, %.0f/s\n", p.name, pct, p.count, rate)
}

// done prints the outcome of the file.
func (p *progress) done(stats store.LoadStats, err error) {
	if p.terminal {
		fmt.Fprint(p.out, "\r\033[K")
	}
	elapsed := time.Since(p.begin).Round(time.Millisecond)
	if err != nil {
		fmt.Fprintf(p.out, "%s: failed after %s\n", p.name, elapsed)
		return
	}
	fmt.Fprintf(p.out, "%s: %d read, %d written, %d unchanged in %s\n", p.name, stats.Read, stats.Written, stats.Unchanged, elapsed)
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

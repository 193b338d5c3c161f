package cli

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
	what     string // what the load reads, for the closing line

	name  string       // the file being read
	size  int64        // its size, -1 when unknown
	bytes atomic.Int64 // read of it so far
	count int          // records read, over every file
	begin time.Time
	last  time.Time
}

// newProgress reports on the load of files to out.
func newProgress(out io.Writer, files []string) *progress {
	what := fmt.Sprintf("%d files", len(files))
	if len(files) == 1 {
		what = files[0]
	}
	p := &progress{out: out, every: 5 * time.Second, what: what, begin: time.Now()}
	p.last = p.begin
	if f, ok := out.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.terminal, p.every = true, 200*time.Millisecond
		}
	}
	return p
}

// reader starts reporting on a file of size bytes (-1: unknown) and returns a reader that
// counts its bytes.
func (p *progress) reader(name string, r io.Reader, size int64) io.Reader {
	p.name, p.size = name, size
	p.bytes.Store(0)
	return readerFunc(func(b []byte) (int, error) {
		n, err := r.Read(b)
		p.bytes.Add(int64(n))
		return n, err
	})
}

// track counts the customers records yields and reports every p.every.
func (p *progress) track(records store.Records) store.Records {
	return func(yield func(store.Record, error) bool) {
		for r, err := range records {
			p.count++
			if p.count%1000 == 0 && time.Since(p.last) >= p.every {
				p.last = time.Now()
				p.report()
			}
			if !yield(r, err) {
				return
			}
		}
	}
}

func (p *progress) report() {
	rate := float64(p.count) / time.Since(p.begin).Seconds()
	end := "\n"
	if p.terminal {
		fmt.Fprint(p.out, "\r")
		end = " "
	}
	if p.size <= 0 { // standard input: no size to measure against
		fmt.Fprintf(p.out, "%s: %d records, %.0f/s%s", p.name, p.count, rate, end)
		return
	}
	pct := min(100, 100*float64(p.bytes.Load())/float64(p.size))
	if p.terminal {
		bar := strings.Repeat("#", int(pct/5)) + strings.Repeat("-", 20-int(pct/5))
		fmt.Fprintf(p.out, "%s [%s] %3.0f%% %d records %.0f/s ", p.name, bar, pct, p.count, rate)
		return
	}
	fmt.Fprintf(p.out, "%s: %.0f%%, %d records, %.0f/s\n", p.name, pct, p.count, rate)
}

// done prints the outcome of the file.
func (p *progress) done(stats store.LoadStats, err error) {
	switch {
	case err == nil && p.last != p.begin && p.size > 0:
		p.bytes.Store(p.size) // the last progress line of a long load says 100%
		p.report()
		if p.terminal {
			fmt.Fprintln(p.out)
		}
	case p.terminal:
		fmt.Fprint(p.out, "\r\033[K")
	}
	elapsed := time.Since(p.begin).Round(time.Millisecond)
	if err != nil {
		fmt.Fprintf(p.out, "%s: failed after %s\n", p.what, elapsed)
		return
	}
	fmt.Fprintf(p.out, "%s: %d read: %d added, %d changed, %d unchanged, %d deleted in %s\n",
		p.what, stats.Read, stats.Added, stats.Changed, stats.Unchanged, stats.Deleted, elapsed)
	if stats.Unknown > 0 {
		fmt.Fprintf(p.out, "%d tombstones named no stored customer: %s\n", stats.Unknown, unknownList(stats))
	}
}

// unknownList names the unknown ids of stats, saying when there were more.
func unknownList(stats store.LoadStats) string {
	list := strings.Join(stats.UnknownIDs, ", ")
	if more := stats.Unknown - len(stats.UnknownIDs); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	return list
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

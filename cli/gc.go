package cli

import (
	"runtime/debug"
)

// serve's garbage collector defaults, for those of GOGC and GOMEMLIMIT the environment leaves
// unset. A server's live heap is small (a few MB: connections, pools, the console's list), so
// Go's default of collecting each time the heap doubles runs the collector thousands of times a
// second under load; collecting at five times the live heap cut a lookup's CPU by a fifth
// (docs/performance.md) for about 15 MB more RSS. The soft limit bounds what that factor can
// cost when the garbage grows, say under a flood of connections or large bodies: at 256 MiB,
// 2,000 connections trickling junk-signed bodies took RSS to 259 MB; at 160 MiB, to 174 MB
// (bench/exhaust.sh), with lookups answered as fast.
const (
	serveGCPercent   = 400
	serveMemoryLimit = 160 << 20
)

// seedMemoryLimit is seed's soft memory limit, unless GOMEMLIMIT is set. Records stream through
// seed, so its live heap is small, but a load of 1,000,000 customers x 20 transactions makes
// gigabytes of garbage, and Go's default lets the heap double before it collects: with this
// limit, the load's peak RSS fell from 225 MB to 162 MB and it took no longer (2m04s, 1m56s).
const seedMemoryLimit = 64 << 20

// tuneGC applies serve's collector defaults where lookupEnv finds no GOGC or GOMEMLIMIT, and
// reports the percent and limit in force.
func tuneGC(lookupEnv func(string) (string, bool)) (percent int, limit int64) {
	if _, set := lookupEnv("GOGC"); !set {
		debug.SetGCPercent(serveGCPercent)
	}
	_ = limitMemory(lookupEnv, serveMemoryLimit) // serve keeps it until the process ends
	percent = debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1)
}

// limitMemory sets the soft memory limit to limit unless lookupEnv finds GOMEMLIMIT, and returns
// what puts the previous one back (a command run from a program of one's own leaves the
// program's limit as it found it).
func limitMemory(lookupEnv func(string) (string, bool), limit int64) (restore func()) {
	if _, set := lookupEnv("GOMEMLIMIT"); set {
		return func() {}
	}
	prev := debug.SetMemoryLimit(limit)
	return func() { debug.SetMemoryLimit(prev) }
}

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

// tuneGC applies serve's collector defaults where lookupEnv finds no GOGC or GOMEMLIMIT, and
// reports the percent and limit in force.
func tuneGC(lookupEnv func(string) (string, bool)) (percent int, limit int64) {
	if _, set := lookupEnv("GOGC"); !set {
		debug.SetGCPercent(serveGCPercent)
	}
	if _, set := lookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
	percent = debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1)
}

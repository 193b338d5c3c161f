package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"
	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// DefaultProbeInterval is how often each reader, and the primary's WAL position, is checked
// when Options.ProbeInterval is 0. A reader taken out comes back at the first good check.
const DefaultProbeInterval = time.Second

// noDeadlineShare is the time a reader is given when the caller set no deadline.
const noDeadlineShare = 2 * time.Second

// probeQuery is one check of a reader: whether it is a standby, the WAL it has received and
// replayed (as byte positions), and its schema's version.
const probeQuery = `SELECT pg_is_in_recovery(),
	pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0')::bigint,
	pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint,
	(SELECT COALESCE(MAX(version), 0) FROM schema_migrations)`

// primaryLSNQuery is the primary's WAL position, the point its standbys must reach.
const primaryLSNQuery = `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint`

// reader is one database lookups may read from (store.read_dsns).
type reader struct {
	name string // host:port
	db   *sqlx.DB
	up   atomic.Bool
	lag  atomic.Int64 // nanoseconds

	mu     sync.Mutex
	reason string // why it is out
	// pending is the WAL it had yet to apply at each check, oldest first: the position, and
	// when it was first seen. Its lag is the age of the oldest position not yet replayed.
	pending []walMark
}

// walMark is a WAL position a reader had to reach, and when it was first seen.
type walMark struct {
	at  time.Time
	lsn int64
}

// maxMarks bounds a reader's pending marks; past it, the middle ones go (the oldest, which sets
// the lag, stays).
const maxMarks = 1024

// readerSet holds the readers, spreads lookups over the healthy ones, and checks them all in
// the background.
type readerSet struct {
	list     []*reader
	next     atomic.Uint32
	maxLag   time.Duration
	interval time.Duration
	latest   int // the schema version this build knows
	log      *zap.Logger
	started  bool          // run was started, and closes done when stop is closed
	stop     chan struct{} // closed by Close
	done     chan struct{}
}

// healthy lists the readers lookups may use now, starting at a rotating one.
func (rs *readerSet) healthy() []*reader {
	n := len(rs.list)
	start := int(rs.next.Add(1)) % n
	out := make([]*reader, 0, n)
	for i := range n {
		if r := rs.list[(start+i)%n]; r.up.Load() {
			out = append(out, r)
		}
	}
	return out
}

// set records a reader's state after a check or a failed lookup, logging a change.
func (rs *readerSet) set(r *reader, up bool, lag time.Duration, reason string) {
	r.lag.Store(int64(lag))
	r.mu.Lock()
	r.reason = reason
	r.mu.Unlock()
	switch was := r.up.Swap(up); {
	case was && !up:
		rs.log.Warn("store reader out", zap.String("reader", r.name), zap.String("reason", reason), zap.Duration("lag", lag))
	case !was && up:
		rs.log.Info("store reader back", zap.String("reader", r.name), zap.Duration("lag", lag))
	}
}

// takeOut takes a reader out after a lookup could not use it; the next good check brings it
// back.
func (rs *readerSet) takeOut(r *reader, err error) {
	rs.set(r, false, time.Duration(r.lag.Load()), "a lookup failed on it: "+err.Error())
}

// run checks every reader each interval until Close.
func (rs *readerSet) run(primary *sqlx.DB) {
	defer close(rs.done)
	t := time.NewTicker(rs.interval)
	defer t.Stop()
	for {
		select {
		case <-rs.stop:
			return
		case <-t.C:
			rs.check(primary)
		}
	}
}

// check probes the primary and every reader at once, each bounded by the interval, so that a
// hung database delays nothing else, and updates each reader's state.
func (rs *readerSet) check(primary *sqlx.DB) {
	ctx, cancel := context.WithTimeout(context.Background(), rs.interval)
	defer cancel()
	type probe struct {
		err                error
		standby            bool
		received, replayed sql.NullInt64
		version            int
	}
	probes := make([]probe, len(rs.list))
	var primaryLSN int64
	var primaryErr error
	var wg sync.WaitGroup
	wg.Go(func() { primaryErr = primary.QueryRowContext(ctx, primaryLSNQuery).Scan(&primaryLSN) })
	for i, r := range rs.list {
		wg.Go(func() {
			p := &probes[i]
			p.err = r.db.QueryRowContext(ctx, probeQuery).Scan(&p.standby, &p.received, &p.replayed, &p.version)
		})
	}
	wg.Wait()
	now := time.Now()
	primaryUp := primaryErr == nil
	for i, r := range rs.list {
		p := probes[i]
		if p.err != nil {
			rs.set(r, false, time.Duration(r.lag.Load()), "it does not answer: "+p.err.Error())
			continue
		}
		if p.version != rs.latest {
			rs.set(r, false, 0, fmt.Sprintf("its schema is at version %d, this build's at %d", p.version, rs.latest))
			continue
		}
		target := p.replayed.Int64
		if p.received.Valid {
			target = max(target, p.received.Int64)
		}
		if primaryUp {
			target = max(target, primaryLSN)
		}
		lag := r.lagAt(now, p.standby, target, p.replayed.Int64)
		// While the primary is unreachable nothing can be newer than what a standby has, and
		// lag takes no reader out.
		if primaryUp && lag > rs.maxLag {
			rs.set(r, false, lag, fmt.Sprintf("it lags %s behind the primary, more than store.max_replica_lag (%s)", lag.Round(time.Second), rs.maxLag))
			continue
		}
		rs.set(r, true, lag, "")
	}
}

// lagAt notes that the reader must reach target and has replayed up to replayed, and returns
// its lag at now: how long the oldest position it has not replayed has been waiting. A standby
// that has applied everything it can see is not lagging, however long ago the primary last
// wrote; a database that is not a standby never lags.
func (r *reader) lagAt(now time.Time, standby bool, target, replayed int64) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !standby {
		r.pending = nil
		return 0
	}
	if n := len(r.pending); target > replayed && (n == 0 || target > r.pending[n-1].lsn) {
		r.pending = append(r.pending, walMark{at: now, lsn: target})
	}
	i := 0
	for i < len(r.pending) && r.pending[i].lsn <= replayed {
		i++
	}
	r.pending = r.pending[i:]
	if len(r.pending) > maxMarks {
		r.pending = append(r.pending[:1], r.pending[len(r.pending)-maxMarks/2:]...)
	}
	if len(r.pending) == 0 {
		return 0
	}
	return now.Sub(r.pending[0].at)
}

// states reports every reader's state.
func (rs *readerSet) states() []store.ReaderState {
	out := make([]store.ReaderState, len(rs.list))
	for i, r := range rs.list {
		r.mu.Lock()
		reason := r.reason
		r.mu.Unlock()
		out[i] = store.ReaderState{Name: r.name, Up: r.up.Load(), Lag: time.Duration(r.lag.Load()), Reason: reason}
	}
	return out
}

// Readers implements store.Replicated; nil without store.read_dsns.
func (db *DB) Readers() []store.ReaderState {
	if db.readers == nil {
		return nil
	}
	return db.readers.states()
}

// read runs a lookup's statement with fn: on a healthy reader, each in turn, else on the
// primary. A reader that fails, or does not answer within its share of the lookup's time left,
// is taken out (the checks bring it back) and the next is tried — so a lost or hung standby
// costs a lookup that share, not its whole deadline. An error of the query itself is the answer.
func (db *DB) read(ctx context.Context, fn func(ctx context.Context, q *sqlx.DB) error) error {
	if db.readers != nil {
		up := db.readers.healthy()
		for i, r := range up {
			actx, cancel := share(ctx, len(up)-i+1)
			err := retry(actx, func() error { return fn(actx, r.db) })
			cancel()
			if ctx.Err() != nil || !unavailable(err) {
				return err
			}
			db.readers.takeOut(r, err)
		}
	}
	err := retry(ctx, func() error { return fn(ctx, db.db) })
	if db.readers != nil && unavailable(err) && ctx.Err() == nil {
		return db.primaryDown(err)
	}
	return err
}

// share is ctx bounded to one of n equal shares of its time left.
func share(ctx context.Context, n int) (context.Context, context.CancelFunc) {
	left := noDeadlineShare * time.Duration(n)
	if d, ok := ctx.Deadline(); ok {
		left = time.Until(d)
	}
	return context.WithTimeout(ctx, left/time.Duration(n))
}

// unavailable reports an error of the database rather than of the statement: it could not be
// reached, went away, refused the connection, or did not answer in time.
func unavailable(err error) bool {
	if err == nil || errors.Is(err, sql.ErrNoRows) {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code[:2] {
		case "08", "53", "57", "58": // connection, resources, operator intervention, system
			return true
		}
		return false
	}
	return true
}

// primaryDown names the primary in an error that says it could not be reached.
func (db *DB) primaryDown(err error) error {
	if !unavailable(err) {
		return err
	}
	return fmt.Errorf("the primary %s (store.dsn) does not answer; migrate, seed, delete and export need it: %w", db.primaryName, err)
}

// hostPort names the server of a connection string, without credentials.
func hostPort(dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "(an unreadable connection string)"
	}
	return fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
}

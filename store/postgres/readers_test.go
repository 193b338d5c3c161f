package postgres

import (
	"testing"
	"time"
)

// A reader's lag is how long the oldest WAL it has not replayed has been waiting: a standby
// that has replayed all it can see is not lagging, however long ago the primary last wrote.
func TestLagAt(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	var r reader
	steps := []struct {
		sec              int
		standby          bool
		target, replayed int64
		want             time.Duration
	}{
		{0, true, 100, 100, 0},                  // caught up
		{3600, true, 100, 100, 0},               // an hour later, the primary quiet: still caught up
		{3601, true, 200, 100, 0},               // a write arrives: seen now, not yet late
		{3602, true, 200, 150, time.Second},     // replaying it
		{3603, true, 300, 200, 0},               // the first write replayed; the second just seen
		{3610, true, 300, 200, 7 * time.Second}, // replay stuck (paused) while 300 waits
		{3611, true, 400, 250, 8 * time.Second}, // more arrives; the oldest waiting still sets the lag
		{3612, true, 400, 400, 0},               // caught up again
		{3613, false, 900, 0, 0},                // not a standby (the primary, or promoted): no lag
	}
	for _, s := range steps {
		if got := r.lagAt(at(s.sec), s.standby, s.target, s.replayed); got != s.want {
			t.Errorf("at %ds (target %d, replayed %d): lag %s, want %s", s.sec, s.target, s.replayed, got, s.want)
		}
	}
	// Marks stay bounded while a standby falls ever further behind, and the oldest is kept.
	for i := range 3 * maxMarks {
		r.lagAt(at(4000+i), true, int64(1000+i), 999)
	}
	if len(r.pending) > maxMarks || r.pending[0].at != at(4000) {
		t.Errorf("%d marks, the oldest at %s", len(r.pending), r.pending[0].at)
	}
}

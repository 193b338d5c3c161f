package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/internal/goroutines"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite"
)

// build makes a migrated database at path holding one customer of that id and email, and
// closes it as `seed` would leave it.
func build(t *testing.T, path, id string) {
	t.Helper()
	ctx := context.Background()
	norm, _ := phone.NewNormalizer("US")
	db, err := sqlite.Open(ctx, sqlite.Options{DSN: path, Normalizer: norm, Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	seed := `{"externalCustomerId":"` + id + `","name":"Ada","emails":["ada@example.com"]}`
	if _, err := db.Load(ctx, seedfile.Read(strings.NewReader(seed), "one.jsonl"), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// served opens path as serve does: existing file, watched every 20 ms.
func served(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	norm, _ := phone.NewNormalizer("US")
	db, err := sqlite.Open(context.Background(), sqlite.Options{DSN: path, Normalizer: norm, WatchInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// whoIsAda is the id of the customer with Ada's email, or the error.
func whoIsAda(db *sqlite.DB) (string, error) {
	cs, err := db.Link(context.Background(), store.Link{Emails: []string{"ada@example.com"}, Limit: 25})
	if err != nil || len(cs) != 1 {
		return "", err
	}
	return cs[0].ExternalID, nil
}

func TestDeletedFileIsNotReady(t *testing.T) {
	path := filepath.Join(t.TempDir(), "live.db")
	build(t, path, "OLD")
	db := served(t, path)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatalf("Ping before: %v", err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "gone") {
		t.Fatalf("Ping after the file was deleted: %v", err)
	}
}

func TestUnreadableFileIsNotReady(t *testing.T) {
	path := filepath.Join(t.TempDir(), "live.db")
	build(t, path, "OLD")
	db := served(t, path)
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "not readable") {
		t.Fatalf("Ping after chmod 000: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(context.Background()); err != nil {
		t.Fatalf("Ping once readable again: %v", err)
	}
}

// servedWithReplacement serves a database whose Ada is OLD at path, and builds beside it, at
// next, one whose Ada is NEW, to be moved over it.
func servedWithReplacement(t *testing.T) (db *sqlite.DB, path, next string) {
	t.Helper()
	dir := t.TempDir()
	path, next = filepath.Join(dir, "live.db"), filepath.Join(dir, "next.db")
	build(t, path, "OLD")
	build(t, next, "NEW")
	return served(t, path), path, next
}

// A database built elsewhere and moved over the served one is reopened: lookups running all
// along never fail, and see the old data, then the new. A lookup that began after another
// had answered with the new data must not answer with the old.
func TestReplacedFileIsReopened(t *testing.T) {
	db, path, next := servedWithReplacement(t)

	origin := time.Now()
	var failures, sawOld, sawNew atomic.Int64
	var mu sync.Mutex
	firstNew := time.Duration(-1) // when the first answer with the new data had returned
	stop := goroutines.Repeat(4, func() bool {
		began := time.Since(origin)
		id, err := whoIsAda(db)
		ended := time.Since(origin)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil || (id != "OLD" && id != "NEW"):
			failures.Add(1)
		case id == "NEW":
			sawNew.Add(1)
			if firstNew < 0 || ended < firstNew {
				firstNew = ended
			}
		case firstNew >= 0 && began > firstNew: // OLD after NEW: a mix
			failures.Add(1)
		default:
			sawOld.Add(1)
		}
		return true
	})
	until := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); runtime.Gosched() {
			if time.Now().After(deadline) {
				stop()
				t.Fatalf("%s: not within 5s", what)
			}
		}
	}
	until("lookups answer from the old file", func() bool { return sawOld.Load() >= 20 })
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(context.Background()); err != nil { // the check the watcher makes, made now
		t.Fatalf("Ping after the swap: %v", err)
	}
	until("lookups answer from the replacement", func() bool { return sawNew.Load() >= 20 })
	stop()
	if n := failures.Load(); n > 0 {
		t.Errorf("%d lookups failed or went back to the old data across the swap", n)
	}
	if err := db.Ping(context.Background()); err != nil {
		t.Errorf("Ping after the swap: %v", err)
	}
}

// A file that is not a database, moved into place, is not ready and answers errors (never the
// old data), until a good one replaces it.
func TestReplacedByGarbageIsNotReady(t *testing.T) {
	dir := t.TempDir()
	path, junk, good := filepath.Join(dir, "live.db"), filepath.Join(dir, "junk"), filepath.Join(dir, "good.db")
	build(t, path, "OLD")
	db := served(t, path)
	if err := os.WriteFile(junk, []byte("not a database at all, just some bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(junk, path); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(context.Background()); err == nil {
		t.Fatal("Ping on a file that is not a database succeeded")
	}
	if id, err := whoIsAda(db); err == nil {
		t.Fatalf("lookup on a broken store answered %q", id)
	}
	build(t, good, "GOOD")
	if err := os.Rename(good, path); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(context.Background()); err != nil {
		t.Fatalf("Ping once a good file is back: %v", err)
	}
	if id, err := whoIsAda(db); err != nil || id != "GOOD" {
		t.Fatalf("lookup after recovery: %q, %v", id, err)
	}
}

// A load under way when its file is replaced is stopped, saying so, rather than written into a
// file no longer served; it lets go of the old file, and lookups reach the replacement within
// moments.
func TestReplacementStopsALoad(t *testing.T) {
	db, path, next := servedWithReplacement(t)
	started := make(chan struct{})
	loaded := make(chan error, 1)
	go func() {
		records := func(yield func(store.Record, error) bool) {
			for i := 0; ; i++ { // a producer that never ends, a record at a time
				if i == 1 {
					close(started)
				}
				r := store.Record{Customer: store.Customer{ExternalID: fmt.Sprintf("LATE-%d", i)}, Place: fmt.Sprintf("slow:%d", i+1)}
				if !yield(r, nil) {
					return
				}
				time.Sleep(time.Millisecond)
			}
		}
		_, err := db.Load(context.Background(), records, store.LoadOptions{})
		loaded <- err
	}()
	<-started
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(context.Background()); err != nil { // the watcher's check, made now
		t.Fatalf("Ping after the swap: %v", err)
	}
	select {
	case err := <-loaded:
		if err == nil || !strings.Contains(err.Error(), "replaced while this ran") {
			t.Errorf("the load on the replaced file ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the load on the replaced file was not stopped")
	}
	if id, err := whoIsAda(db); err != nil || id != "NEW" {
		t.Errorf("after the swap: %q, %v; want NEW", id, err)
	}
	if cs, err := db.Search(context.Background(), store.Search{ExternalID: "LATE-0", Limit: 1}); err != nil || len(cs) != 0 {
		t.Errorf("the stopped load's first customer is in the served file: %d, %v", len(cs), err)
	}
}

// The replaced file's WAL holds pages another process wrote to it. They must not be read as
// the new file's: the old file is closed, and its WAL gone, before the new one is opened.
func TestReplacementWithTheOldFilesWAL(t *testing.T) {
	ctx := context.Background()
	db, path, next := servedWithReplacement(t)
	if id, err := whoIsAda(db); id != "OLD" || err != nil {
		t.Fatalf("before the swap: %q, %v", id, err)
	}
	other := openOther(t, path)
	var more strings.Builder
	for i := range 300 {
		fmt.Fprintf(&more, `{"externalCustomerId":"X-%d","name":"Someone Else","emails":["ada@example.com"]}`+"\n", i)
	}
	if _, err := other.Load(ctx, seedfile.Read(strings.NewReader(more.String()), "more.jsonl"), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("the test needs the old file's WAL to hold pages: %v", err)
	}
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping after the swap: %v", err)
	}
	cs, err := db.Link(ctx, store.Link{Emails: []string{"ada@example.com"}, Limit: 500})
	if err != nil || len(cs) != 1 || cs[0].ExternalID != "NEW" {
		t.Errorf("after the swap, Ada's email finds %d customers (%v); want NEW alone", len(cs), err)
	}
}

// Another process still at work on the replaced file does not hold up the swap, and what it
// does there stays there: the new file is served at once, untouched by it.
func TestReplacementWhileAnotherProcessHasTheOldFile(t *testing.T) {
	ctx := context.Background()
	db, path, next := servedWithReplacement(t)
	other := openOther(t, path)
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping after the swap: %v", err)
	}
	if id, err := whoIsAda(db); err != nil || id != "NEW" {
		t.Fatalf("after the swap: %q, %v; want NEW", id, err)
	}
	late := `{"externalCustomerId":"LATE","name":"Late Writer","emails":["ada@example.com"]}`
	if _, err := other.Load(ctx, seedfile.Read(strings.NewReader(late), "late.jsonl"), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if id, err := whoIsAda(db); err != nil || id != "NEW" {
		t.Errorf("after another process wrote to the replaced file: %q, %v; want NEW alone", id, err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if id, err := whoIsAda(db); err != nil || id != "NEW" {
		t.Errorf("once the other process closed the replaced file: %q, %v; want NEW alone", id, err)
	}
}

// openOther opens path as another process would that does not watch it, as seed does.
func openOther(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	norm, _ := phone.NewNormalizer("US")
	other, err := sqlite.Open(context.Background(), sqlite.Options{DSN: path, Normalizer: norm})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

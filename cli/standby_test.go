package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/lookup-adaptor/lookup-adaptor/internal/goroutines"
	"github.com/lookup-adaptor/lookup-adaptor/store/postgres/pgtest"
)

// loadRun is a signed load of detailed lookups through the adaptor, counted.
type loadRun struct {
	sent, failed atomic.Int64
	mu           sync.Mutex
	slowest      time.Duration
	first        string // the first failure
	stop         func()
}

// startLoad sends detailed lookups of C-1001 to addr from 8 goroutines until stopped.
func startLoad(t *testing.T, addr string) *loadRun {
	l := &loadRun{}
	l.stop = goroutines.Repeat(8, func() bool {
		start := time.Now()
		status, body := detailed(t, addr)
		took := time.Since(start)
		l.sent.Add(1)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.slowest = max(l.slowest, took)
		if status != http.StatusOK || !strings.Contains(body, "Ada Lovelace") {
			l.failed.Add(1)
			if l.first == "" {
				l.first = fmt.Sprintf("%d %s", status, body)
			}
		}
		return true
	})
	return l
}

// phase lets at least n more lookups through, and checks that none failed or took 5 s so far.
func (l *loadRun) phase(t *testing.T, what string, n int64) {
	t.Helper()
	want := l.sent.Load() + n
	for deadline := time.Now().Add(20 * time.Second); l.sent.Load() < want; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: only %d lookups in 20 s", what, l.sent.Load())
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed.Load() > 0 || l.slowest >= 5*time.Second {
		t.Fatalf("%s: %d of %d lookups failed (first: %s), the slowest took %s", what, l.failed.Load(), l.sent.Load(), l.first, l.slowest)
	}
	t.Logf("%s: %d lookups so far, none failed, the slowest %s", what, l.sent.Load(), l.slowest.Round(time.Millisecond))
}

// readerUp reads lookup_adaptor_store_reader_up of reader from the admin listener's metrics.
func readerUp(t *testing.T, admin, reader string) string {
	t.Helper()
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	prefix := `lookup_adaptor_store_reader_up{reader="` + reader + `"} `
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), prefix); ok {
			return v
		}
	}
	return "absent"
}

// waitReader waits until the reader's up metric is want ("1" or "0").
func waitReader(t *testing.T, admin, reader, want string) {
	t.Helper()
	got := ""
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got = readerUp(t, admin, reader); got == want {
			return
		}
	}
	t.Fatalf("reader %s: up %s, not %s, for 20 s", reader, got, want)
}

// serveEnv runs serve with the configuration in the environment on free ports, logging to
// core, until the test ends (when it must have stopped without an error); it returns the lookup
// and admin addresses once /readyz answers.
func serveEnv(t *testing.T, core zapcore.Core) (addr, admin string) {
	t.Helper()
	t.Setenv("ADAPTOR_SERVER_ADDR", freeAddr(t))
	t.Setenv("ADAPTOR_ADMIN_ADDR", freeAddr(t))
	cfg, err := LoadConfig(repoConfig, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- builtins.serve(ctx, cfg, zap.New(core), nil, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	waitFor(t, "http://"+cfg.Admin.Addr+"/readyz")
	return cfg.Server.Addr, cfg.Admin.Addr
}

// A primary with one streaming standby in store.read_dsns, under a signed load through the
// adaptor: the standby stopped, then hung, costs no lookup and none takes 5 s; a quiet primary
// keeps the standby in; real lag past store.max_replica_lag takes it out until it catches up;
// the primary stopped costs no lookup either, seed then names the primary, and serve starts
// from the standby alone.
func TestStandbys(t *testing.T) {
	cluster := pgtest.NewCluster(t)
	standby := fmt.Sprintf("127.0.0.1:%d", cluster.Standby.Port())
	t.Setenv("ADAPTOR_SIGNING_KEYS", "replica-key")
	t.Setenv("ADAPTOR_STORE_DRIVER", "postgres")
	t.Setenv("ADAPTOR_STORE_DSN", cluster.Primary.DSN())
	t.Setenv("ADAPTOR_STORE_READ_DSNS", cluster.Standby.DSN())
	t.Setenv("ADAPTOR_STORE_MAX_REPLICA_LAG", "2s")
	if err := run(t, "seed", "--config", repoConfig, "../testdata/seed/"); err != nil {
		t.Fatal(err)
	}
	cluster.WaitReplayed()
	core, logs := observer.New(zapcore.InfoLevel)
	addr, admin := serveEnv(t, core)
	waitReader(t, admin, standby, "1")
	load := startLoad(t, addr)
	defer load.stop()
	load.phase(t, "both up", 200)

	// A quiet primary — no write for longer than store.max_replica_lag — keeps the standby in.
	for range 6 {
		time.Sleep(500 * time.Millisecond)
		if up := readerUp(t, admin, standby); up != "1" {
			t.Fatalf("the standby went out while the primary was quiet (up %s)", up)
		}
	}

	// A customer seeded on the primary reaches lookups once the standby replays it.
	newCustomer := writeFile(t, "new.jsonl", `{"externalCustomerId":"C-NEW","name":"Grace Hopper"}`+"\n")
	if err := run(t, "seed", "--config", repoConfig, newCustomer); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, func() int {
		s, body := detailedOf(t, addr, "C-NEW")
		if !strings.Contains(body, "Grace Hopper") {
			return 0
		}
		return s
	}, http.StatusOK)

	// Real lag: replay paused on the standby while the primary writes.
	cluster.Standby.Exec("SELECT pg_wal_replay_pause()")
	if err := run(t, "delete", "--config", repoConfig, "C-NEW"); err != nil {
		t.Fatal(err)
	}
	waitReader(t, admin, standby, "0")
	if out := logs.FilterMessage("store reader out").FilterFieldKey("reason").All(); len(out) == 0 ||
		!strings.Contains(out[len(out)-1].ContextMap()["reason"].(string), "more than store.max_replica_lag (2s)") {
		t.Errorf("no log line says the standby lags: %v", out)
	}
	load.phase(t, "the standby lagging", 100)
	cluster.Standby.Exec("SELECT pg_wal_replay_resume()")
	waitReader(t, admin, standby, "1")
	if logs.FilterMessage("store reader back").Len() == 0 {
		t.Error("no log line says the standby is back")
	}

	// The standby stopped, then started again.
	cluster.Standby.Stop()
	waitReader(t, admin, standby, "0")
	load.phase(t, "the standby stopped", 200)
	cluster.Standby.Start()
	waitReader(t, admin, standby, "1")

	// The standby hung: it holds its connections and answers nothing.
	cluster.Standby.Hang()
	load.phase(t, "the standby hung", 200)
	waitReader(t, admin, standby, "0")
	cluster.Standby.Resume()
	waitReader(t, admin, standby, "1")

	// The primary stopped: lookups go on from the standby; writes name the primary.
	cluster.Primary.Stop()
	load.phase(t, "the primary stopped", 200)
	if code := get(t, "http://"+admin+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz with the standby answering: %d", code)
	}
	err := run(t, "seed", "--config", repoConfig, newCustomer)
	if want := fmt.Sprintf("the primary 127.0.0.1:%d (store.dsn) does not answer", cluster.Primary.Port()); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("seed with the primary stopped: %v, want %q", err, want)
	}
	load.stop()

	// serve starts while the primary is down, from the standby.
	addr2, _ := serveEnv(t, zapcore.NewNopCore())
	if status, body := detailed(t, addr2); status != http.StatusOK || !strings.Contains(body, "Ada Lovelace") {
		t.Errorf("serve started with the primary down: %d %s", status, body)
	}
}

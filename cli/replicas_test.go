package cli

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/internal/component"
	"github.com/lookup-adaptor/lookup-adaptor/internal/goroutines"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
	"github.com/lookup-adaptor/lookup-adaptor/store/postgres/pgtest"
)

// replica is one lookup-adaptor serve process.
type replica struct {
	cmd         *exec.Cmd
	addr, admin string
	log         bytes.Buffer
}

// TestTwoReplicasOnePostgres is the production deployment in small: two serve processes on one
// PostgreSQL database behind nginx. Data seeded once is answered by both; one replica stopped
// with SIGTERM in the middle of a load costs the clients no failed lookup; with PostgreSQL
// stopped, lookups get 503 and /readyz fails, and when it is back the replicas recover by
// themselves.
func TestTwoReplicasOnePostgres(t *testing.T) {
	pgtest.ServerDSN(t) // the same gate as every PostgreSQL test
	nginx := component.Program(t, "nginx", "the replica failover test behind nginx")
	dir := t.TempDir()
	// Not under t.TempDir, whose parents the postgres user (as whom .ci/postgres.sh runs the
	// server when the test runs as root) cannot enter.
	pgDir, err := os.MkdirTemp("", "lookup-adaptor-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(pgDir) })
	pgPort := port(t)
	pgctl := func(args ...string) string {
		out, err := exec.Command("../.ci/postgres.sh", args...).Output()
		if err != nil {
			t.Fatalf("postgres.sh %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	dsn := pgctl("start", pgDir, pgPort)
	t.Cleanup(func() { pgctl("stop", pgDir) })

	bin := filepath.Join(dir, "lookup-adaptor")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/lookup-adaptor").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := append(os.Environ(), "ADAPTOR_STORE_DRIVER=postgres", "ADAPTOR_STORE_DSN="+dsn,
		"ADAPTOR_SIGNING_KEYS=replica-key", "ADAPTOR_LOG_FORMAT=json")
	seed := exec.Command(bin, "seed", "--config", repoConfig, "../testdata/seed/")
	seed.Env = env
	if out, err := seed.CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}

	replicas := make([]*replica, 2)
	for i := range replicas {
		r := &replica{addr: "127.0.0.1:" + port(t), admin: "127.0.0.1:" + port(t)}
		r.cmd = exec.Command(bin, "serve", "--config", repoConfig)
		r.cmd.Env = append(env, "ADAPTOR_SERVER_ADDR="+r.addr, "ADAPTOR_ADMIN_ADDR="+r.admin)
		r.cmd.Stdout, r.cmd.Stderr = &r.log, &r.log
		if err := r.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.cmd.Process.Kill(); _ = r.cmd.Wait() })
		waitFor(t, "http://"+r.admin+"/readyz")
		replicas[i] = r
	}
	lb := "127.0.0.1:" + port(t)
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/nginx-error.log;
events {}
http {
	access_log off;
	client_body_temp_path %[1]s; proxy_temp_path %[1]s; fastcgi_temp_path %[1]s; uwsgi_temp_path %[1]s; scgi_temp_path %[1]s;
	upstream adaptors { server %[2]s max_fails=1 fail_timeout=5s; server %[3]s max_fails=1 fail_timeout=5s; }
	server {
		listen %[4]s;
		location / {
			proxy_pass http://adaptors;
			proxy_next_upstream error timeout non_idempotent;
		}
	}
}
`, dir, replicas[0].addr, replicas[1].addr, lb)), 0o644); err != nil {
		t.Fatal(err)
	}
	lbCmd := exec.Command(nginx, "-c", conf, "-p", dir)
	var lbLog bytes.Buffer
	lbCmd.Stdout, lbCmd.Stderr = &lbLog, &lbLog
	if err := lbCmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lbCmd.Process.Kill(); _ = lbCmd.Wait() })
	waitListening(t, lb)

	// Seeded through one command, answered by both.
	for i, r := range replicas {
		if status, body := detailed(t, r.addr); status != http.StatusOK || !strings.Contains(body, "Ada Lovelace") {
			t.Fatalf("replica %d: %d %s", i, status, body)
		}
	}

	// A load through nginx; replica 0 gets SIGTERM in the middle of it.
	var sent, failed atomic.Int64
	var firstFailure atomic.Value
	stop := goroutines.Repeat(8, func() bool {
		sent.Add(1)
		if status, body := detailed(t, lb); status != http.StatusOK {
			failed.Add(1)
			firstFailure.CompareAndSwap(nil, fmt.Sprintf("%d %s", status, body))
		}
		return true
	})
	atLeast := func(n int64) { // lookups keep flowing: wait for the count, not for a time
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); sent.Load() < n; runtime.Gosched() {
			if time.Now().After(deadline) {
				t.Fatalf("only %d lookups sent in 15s, want %d", sent.Load(), n)
			}
		}
	}
	atLeast(200)
	if err := replicas[0].cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := replicas[0].cmd.Wait(); err != nil {
		t.Errorf("replica 0 after SIGTERM: %v\n%s", err, replicas[0].log.String())
	}
	atLeast(sent.Load() + 200)
	stop()
	if n := failed.Load(); n > 0 || sent.Load() < 100 {
		t.Errorf("%d of %d lookups failed across the SIGTERM (first: %v)", n, sent.Load(), firstFailure.Load())
	}
	t.Logf("%d lookups through nginx across one replica's SIGTERM, %d failed", sent.Load(), failed.Load())

	// PostgreSQL goes away: 503s and a failing /readyz; it comes back: the replica recovers.
	live := replicas[1]
	pgctl("stop", pgDir)
	waitStatus(t, func() int { s, _ := detailed(t, live.addr); return s }, http.StatusServiceUnavailable)
	waitStatus(t, func() int { return get(t, "http://"+live.admin+"/readyz") }, http.StatusServiceUnavailable)
	pgctl("resume", pgDir, pgPort)
	waitStatus(t, func() int { s, _ := detailed(t, live.addr); return s }, http.StatusOK)
	waitStatus(t, func() int { return get(t, "http://"+live.admin+"/readyz") }, http.StatusOK)
}

// port is a free loopback port.
func port(t *testing.T) string {
	_, p, _ := net.SplitHostPort(freeAddr(t))
	return p
}

// detailed sends a signed DETAILED lookup of C-1001 to addr.
func detailed(t *testing.T, addr string) (int, string) { return detailedOf(t, addr, "C-1001") }

// detailedOf sends a signed DETAILED lookup of the customer id to addr.
func detailedOf(t *testing.T, addr, id string) (int, string) {
	body := []byte(`{"lookupLevel":"DETAILED","query":{"externalCustomerId":"` + id + `"},"uniqueMatchRequired":true}`)
	sr, err := signing.NewRequest([]byte("replica-key"), "POST", "/lookup", "", body, time.Now())
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/lookup", bytes.NewReader(body))
	req.Header = sr.Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func get(t *testing.T, url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitStatus polls until status() gives want, for at most fifteen seconds.
func waitStatus(t *testing.T, status func() int, want int) {
	t.Helper()
	got := 0
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got = status(); got == want {
			return
		}
	}
	t.Fatalf("status %d, not %d, for fifteen seconds", got, want)
}

// waitListening waits until something accepts connections on addr.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("nothing listens on %s", addr)
}

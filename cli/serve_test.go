package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/lookup-adaptor/lookup-adaptor/internal/goroutines"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs serve on free ports over a temporary SQLite store seeded with the demo
// customers, and returns its config and a channel with its result.
func startServe(t *testing.T, ctx context.Context) (*Config, <-chan error) {
	t.Helper()
	return startServeOn(t, ctx, func() { useTempStore(t) })
}

// startServeOn is startServe with the store that useStore configures.
func startServeOn(t *testing.T, ctx context.Context, useStore func()) (*Config, <-chan error) {
	t.Helper()
	t.Setenv("ADAPTOR_SIGNING_KEYS", "serve-test-key")
	t.Setenv("ADAPTOR_SERVER_ADDR", freeAddr(t))
	t.Setenv("ADAPTOR_ADMIN_ADDR", freeAddr(t))
	t.Setenv("ADAPTOR_ACTIONS_FILE", "../testdata/actions/demo.yaml") // the replay corpus has action cases
	useStore()
	if err := run(t, "seed", "--config", repoConfig, "../testdata/seed/"); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(repoConfig, true)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- builtins.serve(ctx, cfg, zap.NewNop(), nil, nil) }()
	waitFor(t, "http://"+cfg.Admin.Addr+"/healthz")
	waitFor(t, "http://"+cfg.Admin.Addr+"/readyz")
	return cfg, done
}

// signedLookup posts body to the lookup path of the serve at addr, signed with startServe's key.
func signedLookup(addr, body string) (*http.Response, error) {
	sr, err := signing.NewRequest([]byte("serve-test-key"), "POST", "/lookup", "", []byte(body), time.Now())
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest("POST", "http://"+addr+"/lookup", bytes.NewReader(sr.Body))
	if err != nil {
		return nil, err
	}
	req.Header = sr.Header
	return http.DefaultClient.Do(req)
}

func waitFor(t *testing.T, url string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("%s never answered 200", url)
}

func TestServeAnswersAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, done := startServe(t, ctx)

	resp, err := signedLookup(cfg.Server.Addr, `{"lookupLevel":"BASIC","query":{"emails":["nobody@example.com"]},"uniqueMatchRequired":false}`)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("signed lookup: %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := http.Get("http://" + cfg.Admin.Addr + "/healthz"); err == nil {
		t.Error("admin listener still up after shutdown")
	}
}

// /readyz tells the truth about the SQLite file: deleted under the running server, it fails
// within seconds; a database moved back into place is reopened and ready again.
func TestReadinessFollowsTheDatabaseFile(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, _ := startServe(t, ctx)
	readyz := "http://" + cfg.Admin.Addr + "/readyz"
	moved := cfg.Store.DSN + ".moved"
	if err := os.Rename(cfg.Store.DSN, moved); err != nil {
		t.Fatal(err)
	}
	waitForStatus(t, readyz, http.StatusServiceUnavailable)
	if err := os.Rename(moved, cfg.Store.DSN); err != nil {
		t.Fatal(err)
	}
	waitForStatus(t, readyz, http.StatusOK)
}

// waitForStatus polls url until it answers status, for at most five seconds.
func waitForStatus(t *testing.T, url string, status int) {
	t.Helper()
	got := 0
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if got = resp.StatusCode; got == status {
				return
			}
		}
	}
	t.Fatalf("%s answered %d, not %d, for five seconds", url, got, status)
}

// While serve answers lookups, seed --replace and delete write the same database (as another
// process would): every lookup keeps answering 200.
func TestLookupsAnswerDuringReplaceAndDelete(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, _ := startServe(t, ctx)
	body := `{"lookupLevel":"DETAILED","query":{"externalCustomerId":"C-1001"},"uniqueMatchRequired":true}`
	failures := make(chan string, 100)
	stop := goroutines.Repeat(4, func() bool {
		resp, err := signedLookup(cfg.Server.Addr, body)
		if err != nil {
			failures <- err.Error()
			return false
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			failures <- resp.Status
			return false
		}
		return true
	})
	subset := writeFile(t, "subset.jsonl", `{"externalCustomerId":"C-1001","name":"Ada Lovelace"}`)
	for i := 0; i < 3; i++ {
		for _, args := range [][]string{
			{"seed", "--config", repoConfig, "--replace", subset},
			{"delete", "--config", repoConfig, "C-1001"},
			{"seed", "--config", repoConfig, "../testdata/seed/"},
		} {
			if err := run(t, args...); err != nil {
				t.Fatal(err)
			}
		}
	}
	stop()
	close(failures)
	for f := range failures {
		t.Errorf("a lookup during the writes: %s", f)
	}
}

// serve refuses a catalog it cannot serve, naming the action and the problem.
func TestServeRefusesABadCatalog(t *testing.T) {
	useTempStore(t)
	if err := run(t, "seed", "--config", repoConfig, "../testdata/seed/"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ADAPTOR_SIGNING_KEYS", "k")
	form := "form: {title: T, sections: [{type: input, attr: a, input: {type: text}}]}"
	for yaml, want := range map[string]string{
		"actions: [{id: refund, name: Refund, target: FLIGHT, " + form + ", run: {builtin: acknowledge}}]":           `action refund: target "FLIGHT" is not customer, ORDER or SUBSCRIPTION`,
		"actions: [{id: refund, name: Refund, target: ORDER, " + form + ", run: {webhook: 'http://127.0.0.1:9/x'}}]": "actions.webhook_secret is required",
	} {
		t.Setenv("ADAPTOR_ACTIONS_FILE", writeFile(t, "catalog.yaml", yaml))
		if err := run(t, "serve", "--config", repoConfig); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("serve with a bad catalog: %v, want %q", err, want)
		}
	}
}

// An address another process holds is refused naming the setting and its variable, before
// either listener is announced.
func TestAddressInUseNamesTheSetting(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	t.Setenv("ADAPTOR_SIGNING_KEYS", "serve-test-key")
	t.Setenv("ADAPTOR_SERVER_ADDR", freeAddr(t))
	t.Setenv("ADAPTOR_ADMIN_ADDR", taken.Addr().String())
	useTempStore(t)
	if err := run(t, "migrate", "--config", repoConfig); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(repoConfig, true)
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.InfoLevel)
	err = builtins.serve(context.Background(), cfg, zap.New(core), nil, nil)
	for _, want := range []string{"admin.addr " + taken.Addr().String() + " (ADAPTOR_ADMIN_ADDR)", "address already in use",
		"set admin.addr (or ADAPTOR_ADMIN_ADDR) to a free address"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("serve on a taken admin address: %v, want %q", err, want)
		}
	}
	if n := logs.FilterMessage("listening").Len(); n > 0 {
		t.Errorf("%d listeners announced before the failure", n)
	}
}

// A detailed lookup asked again answers as the store stands: serve keeps the customers it
// answered lately, and a seed or a delete by another command must show in the next answer.
func TestDetailedLookupsFollowEverySeed(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, _ := startServe(t, ctx)
	detailed := func() string {
		t.Helper()
		resp, err := signedLookup(cfg.Server.Addr, `{"lookupLevel":"DETAILED","query":{"externalCustomerId":"C-1001"},"uniqueMatchRequired":true}`)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		return resp.Status + " " + string(answer)
	}
	first := detailed()
	if !strings.Contains(first, `"name":"Ada Lovelace"`) {
		t.Fatalf("C-1001: %s", first)
	}
	if again := detailed(); again != first {
		t.Fatalf("asked again, C-1001 answered\n%s\nafter\n%s", again, first)
	}
	renamed := writeFile(t, "renamed.jsonl", `{"externalCustomerId":"C-1001","name":"Ada King"}`)
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"seed", "--config", repoConfig, renamed}, `"name":"Ada King"`},
		{[]string{"delete", "--config", repoConfig, "C-1001"}, `{"results":[]}`},
		{[]string{"seed", "--config", repoConfig, "../testdata/seed/"}, first},
	} {
		if err := run(t, step.args...); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if got := detailed(); !strings.Contains(got, step.want) {
				t.Errorf("after %s: C-1001 answered %s, want %s", strings.Join(step.args[:1], " "), got, step.want)
			}
		}
	}
}

package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store/postgres/pgtest"
)

const corpus = "../testdata/cases"

// TestReplayCorpus is `make replay`: a live server (serve, on free ports) over a temporary
// SQLite store seeded from testdata/seed, and every case of the corpus replayed against it
// with the current time, as QA would.
func TestReplayCorpus(t *testing.T) {
	replayCorpus(t, func() { useTempStore(t) })
}

// The same corpus, the same answers, from PostgreSQL.
func TestReplayCorpusPostgres(t *testing.T) {
	replayCorpus(t, func() {
		t.Setenv("ADAPTOR_STORE_DRIVER", "postgres")
		t.Setenv("ADAPTOR_STORE_DSN", pgtest.Schema(t))
	})
}

func replayCorpus(t *testing.T, useStore func()) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, done := startServeOn(t, ctx, useStore)
	url := "http://" + cfg.Server.Addr + cfg.Server.Path

	out, err := runOutput(t, "", "replay", "--config", repoConfig, "--url", url, "--key", "serve-test-key", corpus)
	if err != nil {
		t.Fatalf("replay failed: %v\n%s", err, out)
	}
	if !strings.Contains(out, " passed, 0 failed") {
		t.Errorf("summary missing: %s", out)
	}

	// With the wrong key every signed case must fail, and replay must say so. (Its many FAIL
	// lines are expected, so only the summary is logged.)
	out, err = runQuiet("", "replay", "--config", repoConfig, "--url", url, "--key", "wrong-key", corpus)
	if err == nil || !strings.Contains(out, "FAIL search_name: status 401, want 200") || !strings.Contains(out, "hint: every failing case was refused 401") {
		t.Errorf("replay with the wrong key: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	t.Logf("replay with a wrong key, as expected: %s", lines[len(lines)-1])
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// check against our own server, with the replay corpus: every check passes; with the wrong key
// it fails, and says so with a non-zero exit.
func TestCheckCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, _ := startServe(t, ctx)
	url := "http://" + cfg.Server.Addr + cfg.Server.Path
	out, err := runQuiet("", "check", "--config", repoConfig, "--url", url, "--key", "serve-test-key", "--cases", corpus,
		"--customer", "C-1003", "--email", "ada@example.com")
	if err != nil || !strings.Contains(out, " passed, 0 warned, 0 failed") || !strings.Contains(out, "PASS a signed detailed lookup") ||
		!strings.Contains(out, "PASS a detailed lookup of C-1003 answers that customer") {
		t.Fatalf("check: %v\n%s", err, out)
	}
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := runQuiet("", "check", "--config", repoConfig, "--url", url, "--key", "serve-test-key", "--cacert", notPEM); err == nil ||
		!strings.Contains(err.Error(), "no PEM certificate in it") {
		t.Errorf("check --cacert with no certificate: %v", err)
	}
	out, err = runQuiet("", "check", "--config", repoConfig, "--url", url, "--key", "wrong-key")
	if err == nil || !strings.Contains(out, "FAIL a signed auto-link for an unknown customer is answered") {
		t.Errorf("check with the wrong key: %v\n%s", err, out)
	}
}

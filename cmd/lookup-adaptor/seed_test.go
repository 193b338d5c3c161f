package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// useTempStore points store.dsn at a fresh database path for the test.
func useTempStore(t *testing.T) string {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "seed.db")
	t.Setenv("ADAPTOR_STORE_DSN", dsn)
	return dsn
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSeedDemoIsIdempotent(t *testing.T) {
	useTempStore(t)
	out, err := runOutput(t, "", "seed", "--config", repoConfig, "../../testdata/seed/demo.json")
	if err != nil || !strings.Contains(out, "30 read, 30 written, 0 unchanged") {
		t.Fatalf("first seed: %v\n%s", err, out)
	}
	out, err = runOutput(t, "", "seed", "--config", repoConfig, "../../testdata/seed/demo.json")
	if err != nil || !strings.Contains(out, "30 read, 0 written, 30 unchanged") {
		t.Fatalf("second seed must change nothing: %v\n%s", err, out)
	}
}

func TestSeedBadRecordWritesNothing(t *testing.T) {
	useTempStore(t)
	good := writeFile(t, "good.jsonl", `{"externalCustomerId":"C-1","name":"Ada"}`+"\n")
	bad := writeFile(t, "bad.jsonl", `{"externalCustomerId":"C-2","name":"Grace"}
{"externalCustomerId":"C-3","transactions":[{"type":"ORDER","orderNumber":"1"},{"type":"CAR"}]}
`)
	out, err := runOutput(t, "", "seed", "--config", repoConfig, good, bad)
	if err == nil {
		t.Fatalf("seed with a bad record succeeded:\n%s", out)
	}
	if !strings.Contains(err.Error(), "bad.jsonl:2: transactions[1].type: unknown transaction type") ||
		!strings.Contains(err.Error(), "nothing written") {
		t.Errorf("error does not name file, line and field: %v", err)
	}
	// The good file went in; nothing of the bad one did (C-2 came before the bad record).
	out, err = runOutput(t, "", "seed", "--config", repoConfig, good)
	if err != nil || !strings.Contains(out, "1 read, 0 written, 1 unchanged") {
		t.Errorf("good file: %v\n%s", err, out)
	}
	out, err = runOutput(t, "", "seed", "--config", repoConfig, writeFile(t, "c2.jsonl", `{"externalCustomerId":"C-2","name":"Grace"}`))
	if err != nil || !strings.Contains(out, "1 written") {
		t.Errorf("C-2 was written by the failed file: %v\n%s", err, out)
	}
}

func TestGenerateSeedsCleanly(t *testing.T) {
	useTempStore(t)
	jsonl, err := runOutput(t, "", "generate", "--customers", "200", "--transactions", "5")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := runOutput(t, "", "generate", "--customers", "200", "--transactions", "5")
	if again != jsonl {
		t.Error("generate is not deterministic for the same flags")
	}
	out, err := runOutput(t, "", "seed", "--config", repoConfig, writeFile(t, "gen.jsonl", jsonl))
	if err != nil || !strings.Contains(out, "200 read, 200 written") {
		t.Fatalf("generated data does not seed: %v\n%s", err, out)
	}
}

func TestServeNeedsAnExistingStore(t *testing.T) {
	dsn := useTempStore(t)
	t.Setenv("ADAPTOR_SIGNING_KEYS", "k")
	err := run(t, "serve", "--config", repoConfig)
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("serve on a missing database: %v", err)
	}
	if out, err := runOutput(t, "", "migrate", "--config", repoConfig); err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate: %v %s", err, out)
	}
	if _, err := os.Stat(dsn); err != nil {
		t.Errorf("migrate did not create the database: %v", err)
	}
}

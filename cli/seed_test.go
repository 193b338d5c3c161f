package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
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
	out, err := runOutput(t, "", "seed", "--config", repoConfig, "../testdata/seed/demo.json")
	if err != nil || !strings.Contains(out, "30 read: 30 added, 0 changed, 0 unchanged, 0 deleted") {
		t.Fatalf("first seed: %v\n%s", err, out)
	}
	out, err = runOutput(t, "", "seed", "--config", repoConfig, "../testdata/seed/demo.json")
	if err != nil || !strings.Contains(out, "30 read: 0 added, 0 changed, 30 unchanged, 0 deleted") {
		t.Fatalf("second seed must change nothing: %v\n%s", err, out)
	}
}

// All the files of one seed are one unit: a bad record anywhere writes nothing of any of them.
func TestSeedBadRecordWritesNothing(t *testing.T) {
	useTempStore(t)
	if err := run(t, "seed", "--config", repoConfig, writeFile(t, "first.jsonl", `{"externalCustomerId":"C-0","name":"Before"}`)); err != nil {
		t.Fatal(err)
	}
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
	out, err = runOutput(t, "", "seed", "--config", repoConfig, good, writeFile(t, "c2.jsonl", `{"externalCustomerId":"C-2","name":"Grace"}`))
	if err != nil || !strings.Contains(out, "2 read: 2 added") {
		t.Errorf("C-1 or C-2 was written by the failed seed: %v\n%s", err, out)
	}
}

// A seed, delete or migrate that fails leaves no new database file behind.
func TestFailedCommandLeavesNoDatabase(t *testing.T) {
	bad := writeFile(t, "bad.jsonl", `{"externalCustomerId":"C-3","transactions":[{"type":"CAR"}]}`)
	for name, args := range map[string][]string{
		"seed":   {"seed", bad},
		"seed -": {"seed", "-"},
		"delete": {"delete", "C-1"},
	} {
		dsn := useTempStore(t)
		if _, err := runOutput(t, `{"not":"a customer"}`, append(append([]string{}, args[0], "--config", repoConfig), args[1:]...)...); err == nil {
			t.Errorf("%s: succeeded", name)
		}
		if _, err := os.Stat(dsn); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: a failed command left %s behind (%v)", name, dsn, err)
		}
	}
}

// seed - reads .jsonl from standard input.
func TestSeedFromStdin(t *testing.T) {
	useTempStore(t)
	jsonl, err := runOutput(t, "", "generate", "--customers", "50")
	if err != nil {
		t.Fatal(err)
	}
	out, err := runOutput(t, jsonl, "seed", "--config", repoConfig, "-")
	if err != nil || !strings.Contains(out, "-: 50 read: 50 added") {
		t.Fatalf("seed -: %v\n%s", err, out)
	}
	_, err = runOutput(t, "{\"externalCustomerId\":\"X\",\"phones\":7}\n", "seed", "--config", repoConfig, "-")
	if err == nil || !strings.Contains(err.Error(), "stdin.jsonl:1: phones: want an array") {
		t.Errorf("a bad record on stdin: %v", err)
	}
}

// seed --replace deletes the customers the files do not name, reports every count, and with a
// bad record changes nothing; tombstones and duplicates behave as docs/data.md says.
func TestSeedReplaceAndTombstones(t *testing.T) {
	useTempStore(t)
	all := writeFile(t, "all.jsonl", `{"externalCustomerId":"C-1","name":"Ada"}
{"externalCustomerId":"C-2","name":"Grace"}
{"externalCustomerId":"C-3","name":"Alan"}
`)
	if err := run(t, "seed", "--config", repoConfig, all); err != nil {
		t.Fatal(err)
	}
	truth := writeFile(t, "truth.jsonl", `{"externalCustomerId":"C-1","name":"Ada"}
{"externalCustomerId":"C-2","name":"Grace Hopper"}
{"externalCustomerId":"C-4","name":"Barbara"}
`)
	badTruth := writeFile(t, "bad.jsonl", `{"externalCustomerId":"C-9","phones":7}`)
	if _, err := runOutput(t, "", "seed", "--config", repoConfig, "--replace", truth, badTruth); err == nil {
		t.Fatal("a replace with a bad record succeeded")
	}
	out, err := runOutput(t, "", "seed", "--config", repoConfig, "--replace", truth)
	if err != nil || !strings.Contains(out, "3 read: 1 added, 1 changed, 1 unchanged, 1 deleted") {
		t.Fatalf("replace: %v\n%s", err, out)
	}
	out, err = runOutput(t, "", "seed", "--config", repoConfig, writeFile(t, "t.jsonl", `{"externalCustomerId":"C-4","deleted":true}
{"externalCustomerId":"C-404","deleted":true}`))
	if err != nil || !strings.Contains(out, "2 read: 0 added, 0 changed, 0 unchanged, 1 deleted") || !strings.Contains(out, "1 tombstones named no stored customer: C-404") {
		t.Fatalf("tombstones: %v\n%s", err, out)
	}
	_, err = runOutput(t, "", "seed", "--config", repoConfig, truth, writeFile(t, "again.jsonl", `{"externalCustomerId":"C-1","name":"Twice"}`))
	if err == nil || !strings.Contains(err.Error(), "again.jsonl:1") || !strings.Contains(err.Error(), "truth.jsonl:1") {
		t.Errorf("a customer in two files: %v; want both places named", err)
	}
	out, err = runOutput(t, "", "export", "--config", repoConfig)
	if err != nil || strings.Count(out, "externalCustomerId") != 2 || !strings.Contains(out, "Grace Hopper") {
		t.Errorf("after all that the store holds:\n%s", out)
	}
}

func TestDeleteCommand(t *testing.T) {
	useTempStore(t)
	if err := run(t, "seed", "--config", repoConfig, "../testdata/seed/demo.json"); err != nil {
		t.Fatal(err)
	}
	out, err := runOutput(t, "", "delete", "--config", repoConfig, "C-1001", "C-1002", "C-NOPE")
	if err != nil || !strings.Contains(out, "2 deleted") || !strings.Contains(out, "not found (nothing to delete): C-NOPE") {
		t.Fatalf("delete: %v\n%s", err, out)
	}
	out, err = runOutput(t, "", "delete", "--config", repoConfig, "C-1003", "C-1003")
	if err == nil || !strings.Contains(err.Error(), "argument 2") || !strings.Contains(err.Error(), "nothing deleted") {
		t.Errorf("an id named twice: %v\n%s", err, out)
	}
	if _, err = runOutput(t, "", "delete", "--config", repoConfig, "C-1003", " "); err == nil || !strings.Contains(err.Error(), "argument 2: an empty externalCustomerId") {
		t.Errorf("an empty id: %v", err)
	}
	out, _ = runOutput(t, "", "export", "--config", repoConfig)
	if strings.Contains(out, `"C-1001"`) || strings.Contains(out, `"C-1002"`) || strings.Count(out, "\n") != 29 || !strings.HasSuffix(out, `{"end":true,"records":28}`+"\n") {
		t.Errorf("export after deleting two of 30:\n%s", out)
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
	if err != nil || !strings.Contains(out, "200 read: 200 added") {
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

// The memory driver's store.dsn lists seed files; anything else is named as the mistake.
func TestMemoryDriverDSN(t *testing.T) {
	t.Setenv("ADAPTOR_STORE_DRIVER", "memory")
	t.Setenv("ADAPTOR_STORE_DSN", "data/lookup-adaptor.db")
	t.Setenv("ADAPTOR_SIGNING_KEYS", "k")
	err := run(t, "serve", "--config", repoConfig)
	if err == nil || !strings.Contains(err.Error(), `the memory driver loads seed files (.json or .jsonl, comma-separated) at start; "data/lookup-adaptor.db" is not one`) {
		t.Errorf("memory driver on a .db file: %v", err)
	}
	t.Setenv("ADAPTOR_STORE_DSN", writeFile(t, "bad.jsonl", `{"externalCustomerId":"C-1","phones":7}`))
	err = run(t, "serve", "--config", repoConfig)
	if err == nil || !strings.Contains(err.Error(), "store.dsn") || !strings.Contains(err.Error(), "bad.jsonl:1: phones: want an array") {
		t.Errorf("memory driver on a bad seed: %v", err)
	}
}

// seed names the emails and phones that no lookup can match, with where they are.
func TestSeedWarnsAboutUnmatchableValues(t *testing.T) {
	useTempStore(t)
	f := writeFile(t, "w.jsonl", `{"externalCustomerId":"C-1","emails":["ada.example.com"],"phones":["+1 415 555 0123","12"]}`)
	out, err := runOutput(t, "", "seed", "--config", repoConfig, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`warning: ` + f + `:1: emails[0] "ada.example.com" is not an email address`,
		`warning: ` + f + `:1: phones[1] "12" is not a phone number (matching.default_region US)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "phones[0]") {
		t.Errorf("a good phone was warned about:\n%s", out)
	}
}

// A long load's progress lines end at 100%.
func TestProgressReaches100(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, []string{"gen.jsonl"})
	p.every = 0
	jsonl, err := runOutput(t, "", "generate", "--customers", "3000")
	if err != nil {
		t.Fatal(err)
	}
	r := p.reader("gen.jsonl", strings.NewReader(jsonl), int64(len(jsonl)))
	n := 0
	for range p.track(seedfile.Read(r, "gen.jsonl")) {
		n++
	}
	p.done(store.LoadStats{Read: n, Added: n}, nil)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) < 3 || !strings.Contains(lines[len(lines)-2], "100%") {
		t.Errorf("progress:\n%s", buf.String())
	}
}

// seed --check validates and reports ORDER readiness without touching the store.
func TestSeedCheck(t *testing.T) {
	dsn := useTempStore(t)
	out, err := runOutput(t, "", "seed", "--config", repoConfig, "--check", "../testdata/seed/")
	if err != nil || !strings.Contains(out, "ORDER readiness: 10 of 10 orders ready") ||
		strings.Contains(out, " orders lack ") ||
		!strings.Contains(out, "30 records good; nothing was written") {
		t.Fatalf("seed --check of the demo: %v\n%s", err, out)
	}
	if strings.Contains(out, "gladly_order") {
		t.Errorf("the demo has orders Gladly's App Platform mapping misreads:\n%s", out)
	}
	if _, err := os.Stat(dsn); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("seed --check made the database: %v", err)
	}
	bad := writeFile(t, "bad.jsonl", `{"externalCustomerId":"C-1"}
{"externalCustomerId":"C-1"}
{"externalCustomerId":"C-2","transactions":[{"type":"CAR"}]}`)
	out, err = runOutput(t, "", "seed", "--config", repoConfig, "--check", bad)
	if err == nil || !strings.Contains(err.Error(), "bad.jsonl:2") || !strings.Contains(err.Error(), "bad.jsonl:3: transactions[0].type") {
		t.Errorf("seed --check of bad records: %v", err)
	}
	if strings.Contains(out, "ORDER readiness") {
		t.Errorf("seed --check of bad records without orders reports their readiness:\n%s", out)
	}
}

func TestReadinessReport(t *testing.T) {
	var r transactions.Readiness
	for rec, err := range seedfile.Read(strings.NewReader(`[{"externalCustomerId":"C-9","transactions":[
		{"type":"ORDER","orderNumber":"9","createdAt":"2026-01-02T03:04:05Z","orderStatus":"shipped","orderTotal":"€12.00","currencyCode":"EUR",
		 "products":[{"id":"p1","name":"Hat"}],"fulfillments":[{"productIds":["p1"],"status":"shipped","trackingUrl":"https://t.example/1"}]},
		{"type":"ORDER","orderNumber":"10","orderTotal":"12.00",
		 "products":[{"id":"p1"}],"fulfillments":[{"productIds":["p2"]}]},
		{"type":"FLIGHT","confirmationCode":"X"}]}]`), "r.json") {
		if err != nil {
			t.Fatal(err)
		}
		r.Add(rec.Customer.ExternalID, rec.Customer.Transactions)
	}
	got := strings.Join(r.Lines(), "\n")
	for _, want := range []string{"1 of 2 orders ready", "lack createdAt in ISO 8601 (e.g. C-9 order 10)", "lack orderStatus present",
		"lack orderTotal with a currency symbol", "lack currencyCode", "lack every fulfillment has a status", "lack every fulfillment has tracking",
		"lack fulfillments' productIds name real products"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
}

// storedCount is how many customers export finds.
func storedCount(t *testing.T) int {
	t.Helper()
	out, err := runQuiet("", "export", "--config", repoConfig)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	return strings.Count(out, `"externalCustomerId"`)
}

// A full sync cannot wipe the store by accident: an empty stream, a stream whose end line does
// not match, and one that would delete more than --max-delete change nothing and say why and
// how to force it; a small store's full sync works as it always did.
func TestSeedReplaceCannotWipeTheStore(t *testing.T) {
	useTempStore(t)
	if err := run(t, "seed", "--config", repoConfig, "../testdata/seed/demo.json"); err != nil {
		t.Fatal(err)
	}
	if n := storedCount(t); n != 30 {
		t.Fatalf("the demo store holds %d customers", n)
	}
	jsonl, err := runQuiet("", "export", "--config", repoConfig)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(jsonl, "\n"), "\n") // 30 customers and the end line
	for _, tc := range []struct {
		name, stdin string
		args        []string
		want        []string
	}{
		{"an empty stream", "", nil, []string{"read no record", "--max-delete 100%"}},
		{"a stream cut off before its end line", strings.Join(lines[:10], "") + `{"end":true,"records":30}` + "\n", nil,
			[]string{"stdin.jsonl:11: the end line counts 30 records, but 10 came before it"}},
		{"more deletions than --max-delete", strings.Join(lines[:20], ""), []string{"--max-delete", "5"},
			[]string{"would delete 10 of the 30 stored customers, more than the 5 its limit allows", "--max-delete 10 (or --max-delete 100%)"}},
		{"more deletions than a share", strings.Join(lines[:20], ""), []string{"--max-delete", "20%"},
			[]string{"would delete 10 of the 30 stored customers, more than the 6"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runOutput(t, tc.stdin, append([]string{"seed", "--config", repoConfig, "--replace", "-"}, tc.args...)...)
			for _, want := range tc.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want it to say %q\n%s", err, want, out)
				}
			}
			if n := storedCount(t); n != 30 {
				t.Fatalf("the store holds %d customers after a refused replace, want 30", n)
			}
		})
	}
	for _, args := range [][]string{{"--max-delete", "0"}, {"--max-delete", "half"}, {"--max-delete", "120%"}} {
		if _, err := runOutput(t, "", append([]string{"seed", "--config", repoConfig, "--replace", "-"}, args...)...); err == nil || !strings.Contains(err.Error(), "--max-delete") {
			t.Errorf("%v: %v", args, err)
		}
	}
	if _, err := runOutput(t, lines[0], "seed", "--config", repoConfig, "--max-delete", "5", "-"); err == nil || !strings.Contains(err.Error(), "give it with --replace") {
		t.Errorf("--max-delete without --replace: %v", err)
	}
	// What the flags allow goes through: the whole export, end line included, changes nothing;
	// 20 of 30 with room for 10; and an empty store when asked for with 100%.
	if out, err := runOutput(t, jsonl, "seed", "--config", repoConfig, "--replace", "-"); err != nil || !strings.Contains(out, "30 unchanged, 0 deleted") {
		t.Errorf("the whole export: %v\n%s", err, out)
	}
	if out, err := runOutput(t, strings.Join(lines[:20], ""), "seed", "--config", repoConfig, "--replace", "--max-delete", "10", "-"); err != nil || !strings.Contains(out, "10 deleted") {
		t.Errorf("20 of 30 with --max-delete 10: %v\n%s", err, out)
	}
	if _, err := runOutput(t, "", "seed", "--config", repoConfig, "--replace", "--max-delete", "100%", "-"); err != nil || storedCount(t) != 0 {
		t.Errorf("an empty replace with --max-delete 100%%: %v, %d left", err, storedCount(t))
	}
	// A small store's full sync needs no flag: 3 of 5 removed.
	five := writeFile(t, "five.jsonl", strings.Join(lines[:5], ""))
	two := writeFile(t, "two.jsonl", strings.Join(lines[:2], ""))
	if err := run(t, "seed", "--config", repoConfig, five); err != nil {
		t.Fatal(err)
	}
	if out, err := runOutput(t, "", "seed", "--config", repoConfig, "--replace", two); err != nil || !strings.Contains(out, "3 deleted") {
		t.Errorf("3 of 5 removed: %v\n%s", err, out)
	}
}

// The seed.* bounds are configurable; a customer stored under looser ones is named by export,
// since seed would now refuse it.
func TestSeedBoundsAndExportWarning(t *testing.T) {
	useTempStore(t)
	long := writeFile(t, "long.jsonl", `{"externalCustomerId":"C-LONG","name":"`+strings.Repeat("n", 2000)+`"}`)
	if _, err := runOutput(t, "", "seed", "--config", repoConfig, long); err == nil || !strings.Contains(err.Error(), "long.jsonl:1: name: 2000 characters, more than 1000") {
		t.Fatalf("a 2,000-character name under the default bound: %v", err)
	}
	t.Setenv("ADAPTOR_SEED_MAX_TEXT_CHARS", "5000")
	if err := run(t, "seed", "--config", repoConfig, long); err != nil {
		t.Fatalf("under a bound of 5,000: %v", err)
	}
	t.Setenv("ADAPTOR_SEED_MAX_TEXT_CHARS", "")
	out, err := runOutput(t, "", "export", "--config", repoConfig)
	if err != nil || !strings.Contains(out, "warning: C-LONG: name: 2000 characters, more than 1000; seed will refuse this record") {
		t.Errorf("export of a customer past the bounds: %v", err)
	}
}

package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/replay"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/store/storetest"
)

// roundTrip seeds files into a new store, exports it, and seeds the export into another new
// store; it returns both stores, opened as serve opens them, and the two exports, which must be
// identical.
func roundTrip(t *testing.T, files ...string) (original, copied store.Store) {
	t.Helper()
	dir := t.TempDir()
	origDSN, copyDSN, out := filepath.Join(dir, "original.db"), filepath.Join(dir, "copy.db"), filepath.Join(dir, "export.jsonl")
	t.Setenv("ADAPTOR_STORE_DSN", origDSN)
	if err := run(t, append([]string{"seed", "--config", repoConfig}, files...)...); err != nil {
		t.Fatal(err)
	}
	if msg, err := runOutput(t, "", "export", "--config", repoConfig, "--out", out); err != nil || !strings.Contains(msg, "customers exported to") {
		t.Fatalf("export: %v %s", err, msg)
	}
	t.Setenv("ADAPTOR_STORE_DSN", copyDSN)
	if err := run(t, "seed", "--config", repoConfig, out); err != nil {
		t.Fatal(err)
	}
	again, err := runOutput(t, "", "export", "--config", repoConfig)
	if err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != again {
		t.Error("exporting the re-seeded store gives another file than the first export")
	}
	return openForTest(t, origDSN), openForTest(t, copyDSN)
}

// openForTest opens the SQLite store at dsn as serve would, closed when the test ends.
func openForTest(t *testing.T, dsn string) store.Store {
	t.Helper()
	t.Setenv("ADAPTOR_STORE_DSN", dsn)
	cfg, err := LoadConfig(repoConfig, true)
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := builtins.openStore(context.Background(), cfg, zap.NewNop(), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStore(st) })
	return st
}

// Exporting the demo store and seeding the export into an empty store gives the same answer,
// byte for byte, to every case of the replay corpus.
func TestExportRoundTripAnswersAlike(t *testing.T) {
	original, copied := roundTrip(t, "../testdata/seed/")
	cases, err := replay.Load(corpus)
	if err != nil {
		t.Fatal(err)
	}
	key, now := []byte("round-trip-key"), time.Now()
	urls := make([]string, 2)
	for i, st := range []store.Store{original, copied} {
		norm, _ := phone.NewNormalizer("US")
		handler, err := adaptor.New(adaptor.Options{
			Verifier: &signing.Verifier{Keys: [][]byte{key}, MaxSkew: time.Minute}, Store: st, Normalizer: norm,
		}, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(handler)
		t.Cleanup(srv.Close)
		urls[i] = srv.URL + "/lookup"
	}
	for _, c := range cases {
		var answers [2]replay.Response
		for i, url := range urls {
			answers[i], _ = c.Do(context.Background(), http.DefaultClient, url, key, now)
		}
		if answers[0].Status == 0 {
			t.Fatalf("%s: no answer", c.Name)
		}
		if answers[0].Status != answers[1].Status || !bytes.Equal(answers[0].Body, answers[1].Body) {
			t.Errorf("%s: the original answers %d %s, the copy %d %s", c.Name,
				answers[0].Status, answers[0].Body, answers[1].Status, answers[1].Body)
		}
	}
}

// The same over a generated store: every customer, and the lookups by its email and name.
func TestExportRoundTripGenerated(t *testing.T) {
	jsonl, err := runOutput(t, "", "generate", "--customers", "300", "--transactions", "6")
	if err != nil {
		t.Fatal(err)
	}
	original, copied := roundTrip(t, writeFile(t, "gen.jsonl", jsonl))
	ctx := context.Background()
	e := original.(store.Exporter)
	n := 0
	for c, err := range e.Export(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		other, err := copied.Customer(ctx, c.ExternalID, 1000)
		if err != nil || !bytes.Equal(storetest.Encode(t, &c), storetest.Encode(t, &other)) {
			t.Fatalf("%s differs after the round trip: %v\n%s\n%s", c.ExternalID, err, storetest.Encode(t, &c), storetest.Encode(t, &other))
		}
		link := store.Link{Emails: []string{store.NormalizeEmail(c.Emails[0])}, Limit: 25}
		search := store.Search{NameWords: store.NameWords(c.Name), Limit: 25}
		for what, ask := range map[string]func(store.Store) ([]store.Customer, error){
			"link":   func(st store.Store) ([]store.Customer, error) { return st.Link(ctx, link) },
			"search": func(st store.Store) ([]store.Customer, error) { return st.Search(ctx, search) },
		} {
			a, errA := ask(original)
			b, errB := ask(copied)
			if errA != nil || errB != nil || customerIDs(a) != customerIDs(b) {
				t.Fatalf("%s for %s: %s (%v) against %s (%v)", what, c.ExternalID, customerIDs(a), errA, customerIDs(b), errB)
			}
		}
	}
	if n != 300 {
		t.Errorf("exported %d customers, want 300", n)
	}
}

func customerIDs(cs []store.Customer) string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ExternalID
	}
	return strings.Join(ids, " ")
}

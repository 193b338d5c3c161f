package cli

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
)

// runWith executes args with a program built from backends, as cli.Main would.
func runWith(t *testing.T, backends []store.Backend, args ...string) (string, error) {
	t.Helper()
	cmd := NewCommand(backends...)
	var out strings.Builder
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(""))
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	err := cmd.Execute()
	t.Logf("lookup-adaptor %s\n%s%v", strings.Join(args, " "), out.String(), err)
	return out.String(), err
}

// An unknown store.driver is answered with the drivers the program knows.
func TestUnknownDriverListsTheKnownOnes(t *testing.T) {
	t.Setenv("ADAPTOR_STORE_DRIVER", "oracle")
	_, err := runWith(t, builtins.backends, "export", "--config", repoConfig)
	if err == nil || !strings.Contains(err.Error(), `store.driver "oracle" is unknown; want one of memory, postgres, sqlite`) {
		t.Errorf("unknown driver: %v", err)
	}
}

// readOnlyStore answers lookups and nothing else, as a store over a CRM's API would.
type readOnlyStore struct{ store.Store }

// A command that needs a capability the store lacks refuses, naming the capability and the
// driver — the memory driver included, which cannot keep what seed or delete would write.
func TestCommandsRefuseMissingCapabilities(t *testing.T) {
	var opened store.OpenOptions
	acme := store.Backend{Name: "acme", Open: func(_ context.Context, o store.OpenOptions) (store.Store, error) {
		opened = o
		return readOnlyStore{memory.New(o.Normalizer)}, nil
	}}
	backends := []store.Backend{acme}
	t.Setenv("ADAPTOR_STORE_DRIVER", "acme")
	seedFile := writeFile(t, "one.jsonl", `{"externalCustomerId":"C-1"}`)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"migrate"}, `migrate: store.driver "acme" cannot do this: its store does not implement store.Migrator`},
		{[]string{"seed", seedFile}, `seed: store.driver "acme" cannot do this: its store does not implement store.Loader`},
		{[]string{"delete", "C-1"}, `delete: store.driver "acme" cannot do this: its store does not implement store.Loader`},
		{[]string{"export"}, `export: store.driver "acme" cannot do this: its store does not implement store.Exporter`},
	} {
		_, err := runWith(t, backends, append(tc.args, "--config", repoConfig)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	if opened.Create || opened.DSN != "data/lookup-adaptor.db" || opened.Normalizer == nil || opened.Log == nil || opened.MaxOpenConns != DefaultMaxOpenConns {
		t.Errorf("export opened the backend with %+v", opened)
	}

	t.Setenv("ADAPTOR_STORE_DRIVER", "memory")
	t.Setenv("ADAPTOR_STORE_DSN", "../testdata/seed/demo.json")
	for _, args := range [][]string{{"seed", seedFile}, {"delete", "C-1001"}} {
		_, err := runWith(t, builtins.backends, append(args, "--config", repoConfig)...)
		if err == nil || !strings.Contains(err.Error(), `store.driver "memory" cannot do this: its store does not implement store.Loader`) {
			t.Errorf("memory driver, %v: %v", args, err)
		}
	}
	if out, err := runWith(t, builtins.backends, "export", "--config", repoConfig); err != nil || !strings.Contains(out, `"externalCustomerId":"C-1001"`) {
		t.Errorf("memory driver, export: %v", err)
	}
}

// store.options reaches the backend as written, keys' case kept, from the file or the
// environment; the built-in backends, which take none, refuse them by name.
func TestStoreOptionsReachTheBackend(t *testing.T) {
	var got map[string]any
	errStop := errors.New("opened")
	acme := store.Backend{Name: "acme", Open: func(_ context.Context, o store.OpenOptions) (store.Store, error) {
		got = o.Options
		return nil, errStop
	}}
	file := writeFile(t, "config.yaml", "store:\n  driver: acme\n  options:\n    apiURL: https://crm.example.com\n    pageSize: 50\n    nested: {a: 1}\n")
	if _, err := runWith(t, []store.Backend{acme}, "export", "--config", file); !errors.Is(err, errStop) {
		t.Fatalf("export: %v", err)
	}
	want := map[string]any{"apiURL": "https://crm.example.com", "pageSize": 50, "nested": map[string]any{"a": 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("options from the file = %#v, want %#v", got, want)
	}
	t.Setenv("ADAPTOR_STORE_OPTIONS", "apiURL=https://other.example.com, pageSize=10")
	if _, err := runWith(t, []store.Backend{acme}, "export", "--config", file); !errors.Is(err, errStop) {
		t.Fatalf("export: %v", err)
	}
	if want := map[string]any{"apiURL": "https://other.example.com", "pageSize": "10"}; !reflect.DeepEqual(got, want) {
		t.Errorf("options from the environment = %#v, want %#v", got, want)
	}

	t.Setenv("ADAPTOR_STORE_OPTIONS", "")
	useTempStore(t)
	file = writeFile(t, "config.yaml", "store:\n  options:\n    cache_size: 10\n")
	_, err := runWith(t, builtins.backends, "migrate", "--config", file)
	if err == nil || !strings.Contains(err.Error(), "store.options: the sqlite driver takes no options; remove cache_size") {
		t.Errorf("sqlite with options: %v", err)
	}
}

// A backend whose Open returns neither a store nor an error is named, not dereferenced.
func TestBackendWithoutAStore(t *testing.T) {
	t.Setenv("ADAPTOR_STORE_DRIVER", "broken")
	broken := store.Backend{Name: "broken", Open: func(context.Context, store.OpenOptions) (store.Store, error) { return nil, nil }}
	_, err := runWith(t, []store.Backend{broken}, "export", "--config", repoConfig)
	if err == nil || !strings.Contains(err.Error(), "store.driver broken: Open returned no store and no error") {
		t.Errorf("Open returning nil, nil: %v", err)
	}
	_, err = runWith(t, []store.Backend{broken, broken}, "export", "--config", repoConfig)
	if err == nil || !strings.Contains(err.Error(), "registers 2 backends") {
		t.Errorf("two backends of one name: %v", err)
	}
}

package memory

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
)

// Backend is store.driver "memory": store.dsn lists seed files (.json or .jsonl,
// comma-separated), loaded when the store opens. What it serves lives only in the process, so
// the store it opens is read-only: it offers no store.Loader, and seed and delete refuse it
// rather than report changes that the next start would undo.
var Backend = store.Backend{Name: "memory", Open: openBackend}

// readOnly is the Store Backend opens: Store without its Loader.
type readOnly struct {
	store.Store
	store.Pinger
	store.Exporter
}

func openBackend(ctx context.Context, o store.OpenOptions) (store.Store, error) {
	if err := o.NoOptions("memory"); err != nil {
		return nil, err
	}
	if err := o.NoReaders("memory"); err != nil {
		return nil, err
	}
	var files []string
	for _, f := range strings.Split(o.DSN, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if ext := strings.ToLower(filepath.Ext(f)); ext != ".json" && ext != ".jsonl" {
			return nil, fmt.Errorf("store.dsn: the memory driver loads seed files (.json or .jsonl, comma-separated) at start; %q is not one", f)
		}
		files = append(files, f)
	}
	s, err := FromFiles(ctx, o.Normalizer, files...)
	if err != nil {
		return nil, fmt.Errorf("store.dsn: %w", err)
	}
	return readOnly{s, s, s}, nil
}

// FromFiles returns a Store holding the customers of the seed files (.json or .jsonl), loaded as
// one unit: a bad record anywhere and it fails, naming the file and the line.
func FromFiles(ctx context.Context, norm *store.Normalizer, files ...string) (*Store, error) {
	s := New(norm)
	if len(files) == 0 {
		return s, nil
	}
	if _, err := s.Load(ctx, seedFiles(files), store.LoadOptions{}); err != nil {
		return nil, err
	}
	return s, nil
}

// seedFiles yields the records of every file in turn, then stops; a file that cannot be
// opened is an error that ends the load.
func seedFiles(files []string) store.Records {
	return func(yield func(store.Record, error) bool) {
		for _, name := range files {
			f, err := os.Open(name)
			if err != nil {
				yield(store.Record{}, err)
				return
			}
			for r, err := range seedfile.Read(f, name) {
				if !yield(r, err) {
					f.Close()
					return
				}
			}
			f.Close()
		}
	}
}

package memory_test

import (
	"context"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
	"github.com/lookup-adaptor/lookup-adaptor/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Loaded(func(_ *testing.T, norm *store.Normalizer) store.Store { return memory.New(norm) }))
}

// readOnly is a store that cannot be loaded, as a CRM behind an API is: the suite runs its
// lookup tests against it and skips the loading ones.
type readOnly struct{ store.Store }

func TestConformanceReadOnly(t *testing.T) {
	storetest.Run(t, func(t *testing.T, norm *store.Normalizer) store.Store {
		m := memory.New(norm)
		if _, err := m.Load(context.Background(), seedfile.Read(strings.NewReader(storetest.Fixture), "fixture.jsonl"), store.LoadOptions{}); err != nil {
			t.Fatal(err)
		}
		return readOnly{m}
	})
}

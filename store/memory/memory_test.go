package memory_test

import (
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/storetest"
)

func TestConformance(t *testing.T) {
	norm, err := store.NewNormalizer("US")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, func(*testing.T) storetest.Backend { return memory.New(norm) })
}

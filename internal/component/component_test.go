package component_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/internal/component"
)

// A missing program skips the test and is listed in the skip file; one that is there is found.
func TestProgram(t *testing.T) {
	t.Setenv("CI", "")
	list := filepath.Join(t.TempDir(), "skipped")
	t.Setenv(component.EnvSkipped, list)
	t.Run("missing", func(t *testing.T) {
		component.Program(t, "no-such-program-here", "the imaginary tests")
		t.Error("not skipped")
	})
	b, err := os.ReadFile(list)
	if err != nil || string(b) != "the imaginary tests: no-such-program-here is not installed\n" {
		t.Errorf("the skip file holds %q (%v)", b, err)
	}
	if path := component.Program(t, "go", "the Go tests"); path == "" {
		t.Error("go not found")
	}
}

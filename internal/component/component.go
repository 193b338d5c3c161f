// Package component lets a test that needs something from outside the repository — a
// PostgreSQL server, a browser, nginx — skip without it, and say so. Under CI (CI=true) a
// missing component fails the test instead: CI installs everything. Each skip is also written
// to the file LOOKUP_ADAPTOR_SKIPPED names, if any, so that make test can list what did not run.
package component

import (
	"os"
	"os/exec"
	"testing"
)

// EnvSkipped names the file a skip is recorded in, one line per skip.
const EnvSkipped = "LOOKUP_ADAPTOR_SKIPPED"

// Program returns the path of program, skipping the test (failing it under CI) when program
// is not installed; tests names what then does not run.
func Program(t testing.TB, program, tests string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		Missing(t, tests, program+" is not installed")
	}
	return path
}

// Missing skips the test (fails it under CI) because a component is missing: tests names what
// does not run, why says what is missing.
func Missing(t testing.TB, tests, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s: %s, and CI must run them (.ci/run installs and starts every component)", tests, why)
	}
	if name := os.Getenv(EnvSkipped); name != "" {
		if f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
			_, _ = f.WriteString(tests + ": " + why + "\n")
			_ = f.Close()
		}
	}
	t.Skipf("%s: %s", tests, why)
}

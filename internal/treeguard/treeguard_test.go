package treeguard_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/internal/treeguard"
)

// needGit skips outside CI when git or a checkout is missing; under CI=true it fails.
func needGit(t *testing.T, root string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err == nil {
		if err := exec.Command("git", "-C", root, "rev-parse").Run(); err == nil {
			return
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no git checkout here: .ci/run runs on a clone")
	}
	t.Skip("not a git checkout")
}

// TestRepositoryTree is the guard itself: no tracked file of this repository is a binary or
// over the size limit.
func TestRepositoryTree(t *testing.T) {
	root := "../.."
	needGit(t, root)
	bad, err := treeguard.Check(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Error(b)
	}
}

// A binary or a large file planted in a repository is caught; a script is not.
func TestGuardCatchesPlantedFiles(t *testing.T) {
	dir := t.TempDir()
	needGit(t, ".")
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.email=t@example.com", "-c", "user.name=t"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	write := func(name string, b []byte, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(dir, name), b, mode); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.ReadFile(os.Args[0]) // this test binary: an ELF executable
	if err != nil {
		t.Fatal(err)
	}
	write("lookup-adaptor", self[:4096], 0o755)
	write("big.db", make([]byte, treeguard.MaxFileBytes+1), 0o644)
	write("run.sh", []byte("#!/bin/sh\necho hello\n"), 0o755)
	write("main.go", []byte("package main\n"), 0o644)
	git("add", ".")
	bad, err := treeguard.Check(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(bad, "\n")
	if len(bad) != 2 || !strings.Contains(got, "lookup-adaptor: an ELF executable") || !strings.Contains(got, "big.db: 1000001 bytes") {
		t.Errorf("the guard reported:\n%s\nwant the executable and the large file only", got)
	}
}

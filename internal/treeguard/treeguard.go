// Package treeguard finds what should not be in git: tracked files over a size limit, and
// executables — what a build leaves behind. make tree (part of make test, and of .ci/run)
// fails on any.
package treeguard

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// MaxFileBytes is the largest file that may be tracked: source, docs and test data fit well
// under it; a binary, a database or a coverage profile does not.
const MaxFileBytes = 1_000_000

// Check lists the files tracked by the git repository at root that are larger than
// MaxFileBytes or are executable binaries, each with the reason.
func Check(root string) ([]string, error) {
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		return nil, fmt.Errorf("treeguard: git ls-files: %w", err)
	}
	var bad []string
	for _, name := range bytes.Split(bytes.TrimSuffix(out, []byte{0}), []byte{0}) {
		path := filepath.Join(root, string(name))
		fi, err := os.Lstat(path)
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the work tree, or a link
		}
		if fi.Size() > MaxFileBytes {
			bad = append(bad, fmt.Sprintf("%s: %d bytes, over %d: built output belongs in .gitignore", name, fi.Size(), MaxFileBytes))
			continue
		}
		if kind, err := binary(path); err != nil {
			return nil, err
		} else if kind != "" {
			bad = append(bad, fmt.Sprintf("%s: %s", name, kind))
		}
	}
	return bad, nil
}

// binary says what executable binary path is ("an ELF executable"), or "" when it is none.
func binary(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	for _, m := range []struct {
		magic []byte
		what  string
	}{
		{[]byte("\x7fELF"), "an ELF executable"},
		{[]byte{0xcf, 0xfa, 0xed, 0xfe}, "a Mach-O executable"},
		{[]byte{0xce, 0xfa, 0xed, 0xfe}, "a Mach-O executable"},
		{[]byte{0xca, 0xfe, 0xba, 0xbe}, "a Mach-O universal binary"},
		{[]byte("MZ"), "a Windows executable"},
	} {
		if bytes.HasPrefix(head, m.magic) {
			return m.what, nil
		}
	}
	return "", nil
}

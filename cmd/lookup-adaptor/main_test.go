package main

import (
	"bytes"
	"strings"
	"testing"
)

// run executes the command line args and returns its error; output goes to t.Log.
func run(t *testing.T, args ...string) error {
	t.Helper()
	_, err := runOutput(t, "", args...)
	return err
}

// runOutput executes args with stdin and returns what the command printed, which it also logs.
func runOutput(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	out, err := runQuiet(stdin, args...)
	t.Logf("lookup-adaptor %s\n%s", strings.Join(args, " "), out)
	return out, err
}

// runQuiet is runOutput without the log, for output that would only be noise.
func runQuiet(stdin string, args ...string) (string, error) {
	cmd := newRootCommand()
	var out bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	err := cmd.Execute()
	return out.String(), err
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := runOutput(t, "", args...)
		if err != nil || out != "lookup-adaptor "+version+"\n" {
			t.Errorf("%v printed %q, %v", args, out, err)
		}
	}
}

package cli

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/internal/component"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
	"github.com/lookup-adaptor/lookup-adaptor/store/postgres"
	"github.com/lookup-adaptor/lookup-adaptor/store/sqlite"
)

// builtins is the program cmd/lookup-adaptor builds: cli with the built-in backends.
var builtins = &app{configPath: "config.yaml", backends: []store.Backend{sqlite.Backend, postgres.Backend, memory.Backend}}

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
	cmd := NewCommand(builtins.backends...)
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
		if err != nil || out != "lookup-adaptor "+Version()+"\n" {
			t.Errorf("%v printed %q, %v", args, out, err)
		}
	}
}

// make says which package to install when there is no C compiler for cgo.
func TestMakeDiagnosesMissingCompiler(t *testing.T) {
	component.Program(t, "make", "the Makefile's compiler check")
	out, err := exec.Command("make", "-s", "-C", "..", "cc", "CC=no-such-compiler").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "apt-get install gcc libc6-dev") {
		t.Errorf("make cc without a compiler: %v\n%s", err, out)
	}
	if out, err := exec.Command("make", "-s", "-C", "..", "cc").CombinedOutput(); err != nil {
		t.Errorf("make cc with the compiler this machine has: %v\n%s", err, out)
	}
}

// A command given too few (or too many) arguments says what it needs, with an example.
func TestMissingArgumentsAreNamed(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"delete"}, "delete needs the externalCustomerId of each customer to delete, as in: lookup-adaptor delete C-1001"},
		{[]string{"seed"}, "seed needs the seed files or directories to load"},
		{[]string{"replay", "--url", "http://127.0.0.1:1/lookup"}, "replay needs a directory of cases, as in:"},
		{[]string{"sign", "a.json", "b.json"}, "sign needs one file holding the body (- for standard input)"},
	} {
		if _, err := runQuiet("", tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}

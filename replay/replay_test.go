package replay_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/replay"
)

// writeCase writes a case directory of files (name → content) under root.
func writeCase(t *testing.T, root, name string, files map[string]string) {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// run loads root and replays it against h, returning what replay printed.
func run(t *testing.T, root string, h http.Handler) (string, int, int) {
	t.Helper()
	cases, err := replay.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	var out strings.Builder
	passed, failed := replay.Run(context.Background(), srv.Client(), srv.URL+"/lookup", []byte("k"), cases, &out)
	t.Log(out.String())
	return out.String(), passed, failed
}

// answer is a fake adaptor that answers every request with status and body.
func answer(status int, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
}

// A folder without response.json is named as skipped, a malformed one fails on its own while
// the others run, and a mismatch is listed by JSON path with both values.
func TestReplayReportsEveryCase(t *testing.T) {
	root := t.TempDir()
	body := `{"results":[{"externalCustomerId":"C-1","name":"Ada","emails":[{"original":"a@example.com"}]}]}`
	writeCase(t, root, "good", map[string]string{"request.json": `{}`, "response.json": `{"status":200,"body":` + body + `}`})
	writeCase(t, root, "no_answer_yet", map[string]string{"request.json": `{}`})
	writeCase(t, root, "broken", map[string]string{"request.json": `{}`, "response.json": `{"status":200,"body":`})
	writeCase(t, root, "differs", map[string]string{"request.json": `{}`, "response.json": `{"status":200,"body":` +
		`{"results":[{"externalCustomerId":"C-1","name":"Ada Lovelace","emails":[{"original":"a@example.com"}],"address":"London"}]}}`})
	out, passed, failed := run(t, root, answer(http.StatusOK, body))
	for _, want := range []string{
		"ok   good",
		"SKIP no_answer_yet: no response.json",
		"FAIL broken: ",
		`results[0].name: got "Ada", want "Ada Lovelace"`,
		`results[0].address: missing, want "London"`,
		"1 passed, 2 failed, 1 skipped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("replay's report lacks %q", want)
		}
	}
	if passed != 1 || failed != 2 {
		t.Errorf("passed %d, failed %d; want 1 and 2", passed, failed)
	}
}

// When every case fails the same way, the summary says what that usually means.
func TestReplayHints(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"a", "b", "c"} {
		writeCase(t, root, name, map[string]string{"request.json": `{}`, "response.json": `{"status":200,"body":{"results":[]}}`})
	}
	// A case that expects the refusal passes with a wrong key; the hint still comes.
	writeCase(t, root, "refused", map[string]string{"request.json": `{}`, "response.json": `{"status":401,"body":{"errors":[]}}`})
	if out, _, _ := run(t, root, answer(http.StatusUnauthorized, `{"errors":[]}`)); !strings.Contains(out, "hint: every failing case was refused 401: is --key the adaptor's signing key") {
		t.Error("no hint for a wrong key")
	}
	if out, _, _ := run(t, root, answer(http.StatusNotFound, `{"errors":[]}`)); !strings.Contains(out, "hint: every failing case got 404: --url must be the lookup URL, path included") {
		t.Error("no hint for a URL without its path")
	}
	if out, _, _ := run(t, root, answer(http.StatusOK, `{"results":[]}`)); strings.Contains(out, "hint:") {
		t.Error("a hint when nothing failed")
	}
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// The README's requests, run against serve as make run starts it (the demo seed and actions),
// answer exactly what the README shows.
func TestReadmeSamplesAreTrue(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, _ := startServe(t, ctx)
	send := func(method, path, body string, sign bool) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+cfg.Server.Addr+path, bytes.NewReader([]byte(body)))
		if sign {
			sr, err := signing.NewRequest([]byte("serve-test-key"), method, path, "", []byte(body), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			req.Header = sr.Header
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	same := func(what, got, want string) {
		t.Helper()
		var g, w any
		if err := json.Unmarshal([]byte(got), &g); err != nil {
			t.Fatalf("%s: the answer is not JSON: %s", what, got)
		}
		if err := json.Unmarshal([]byte(want), &w); err != nil {
			t.Fatalf("%s: the README's answer is not JSON: %s", what, want)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: the server answers\n%s\nthe README shows\n%s", what, got, want)
		}
	}
	lookups := regexp.MustCompile("(?s)\nlookup '([^']*)'\n```\n```json\n(.*?)\n```").FindAllSubmatch(readme, -1)
	if len(lookups) != 3 {
		t.Fatalf("the README shows %d lookups with their answers, want one of each kind", len(lookups))
	}
	for _, m := range lookups {
		status, got := send(http.MethodPost, "/lookup", string(m[1]), true)
		if status != http.StatusOK {
			t.Errorf("%s: %d %s", m[1], status, got)
		}
		same(string(m[1]), got, string(m[2]))
	}
	refusal := regexp.MustCompile("(?s)gets `401` with a body that never says which check failed.*?```json\n(.*?)\n```").FindSubmatch(readme)
	if refusal == nil {
		t.Fatal("the README no longer shows the 401 body")
	}
	status, got := send(http.MethodPost, "/lookup", string(lookups[0][1]), false)
	if status != http.StatusUnauthorized {
		t.Errorf("an unsigned lookup: %d", status)
	}
	same("the 401 body", got, string(refusal[1]))

	base := regexp.MustCompile(`\nA=(\S+)\n`).FindSubmatch(readme)
	acts := regexp.MustCompile(`\nact (GET|POST) "\$A(/\w+)" '([^']*)'\s+# (\d{3}) (\{.*\})`).FindAllSubmatch(readme, -1)
	if base == nil || len(acts) != 2 {
		t.Fatalf("the README's action example changed shape: %d submissions", len(acts))
	}
	for _, m := range acts {
		status, got := send(string(m[1]), string(base[1])+string(m[2]), string(m[3]), true)
		if want, _ := strconv.Atoi(string(m[4])); status != want {
			t.Errorf("%s %s %s: %d, the README says %s", m[1], m[2], m[3], status, m[4])
		}
		same(string(m[1])+" "+string(m[2])+" "+string(m[3]), got, string(m[5]))
	}
}

// Package e2e holds the tests that drive the server with real outside programs — a headless
// Chromium, openssl, make — in a module of their own, so that their dependencies stay out of the server's
// go.mod. make test runs them.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/lookup-adaptor/lookup-adaptor/internal/component"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// testKey is the signing key the server runs with.
const testKey = "e2e-signing-key"

// consoleServer runs lookup-adaptor as make run does — built from cmd/lookup-adaptor, the demo
// customers seeded into a new SQLite file, the demo actions — on ports the system picks, until
// the test ends, and returns its lookup and admin URLs.
func consoleServer(t *testing.T) (lookupURL, adminURL string) {
	t.Helper()
	s := startServer(t)
	return "http://" + s.lookup + "/lookup", "http://" + s.admin
}

// server is a lookup-adaptor serve process a test started.
type server struct {
	bin           string // the binary, for the test's own commands
	lookup, admin string // the addresses it listens on
}

// startServer builds lookup-adaptor, seeds the demo customers into a new SQLite file and serves
// them with the demo actions on ports the system picks, with env added to its environment,
// until the test ends.
func startServer(t *testing.T, env ...string) server {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "lookup-adaptor")
	build := exec.Command("go", "build", "-o", bin, "./cmd/lookup-adaptor")
	build.Dir = ".." // in the server's own module
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env = append(append(os.Environ(), "ADAPTOR_STORE_DSN="+filepath.Join(dir, "demo.db"), "ADAPTOR_SIGNING_KEYS="+testKey,
		"ADAPTOR_ACTIONS_FILE=../testdata/actions/demo.yaml", "ADAPTOR_LOG_FORMAT=console",
		"ADAPTOR_SERVER_ADDR=127.0.0.1:0", "ADAPTOR_ADMIN_ADDR=127.0.0.1:0"), env...)
	seed := exec.Command(bin, "seed", "--config", "../config.yaml", "../testdata/seed/")
	seed.Env = env
	if out, err := seed.CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	serve := exec.Command(bin, "serve", "--config", "../config.yaml")
	serve.Env = env
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = serve.Process.Kill(); _ = serve.Wait() })
	addrs := map[string]string{}
	listening := regexp.MustCompile(`"listener": "(lookup|admin)", "addr": "([^"]+)"`)
	lines := bufio.NewScanner(stderr)
	for len(addrs) < 2 && lines.Scan() {
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			addrs[m[1]] = m[2]
		}
	}
	if len(addrs) < 2 {
		t.Fatal("serve never said where it listens")
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	return server{bin: bin, lookup: addrs["lookup"], admin: addrs["admin"]}
}

// send posts an auto-link of Ada signed with key at t.
func send(t *testing.T, url, key string, at time.Time) {
	t.Helper()
	adaBody := `{"lookupLevel":"BASIC","query":{"id":"g1","emails":["ada@example.com"]},"uniqueMatchRequired":false}`
	sr, err := signing.NewRequest([]byte(key), http.MethodPost, "/lookup", "", []byte(adaBody), at)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(adaBody)))
	req.Header = sr.Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// The console in a real browser: a refused and an accepted lookup show with their verdicts, the
// try-it form runs a lookup and shows Gladly's rules, the page raises no error, and no full
// email reaches it.
func TestConsoleInABrowser(t *testing.T) {
	chromium := component.Program(t, "chromium", "the console's browser test")
	lookupURL, admin := consoleServer(t)
	now := time.Now()
	send(t, lookupURL, "not-the-key", now)
	send(t, lookupURL, testKey, now.Add(-10*time.Minute))
	send(t, lookupURL, testKey, now)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1000))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var mu sync.Mutex
	var pageErrors []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			pageErrors = append(pageErrors, ev.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				pageErrors = append(pageErrors, "console.error")
			}
		}
	}); err != nil {
		t.Fatal(err)
	}

	text := func(id string) string {
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("text of #%s: %v", id, err)
		}
		return v
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(admin+"/console"), chromedp.WaitVisible(chromedp.ID("live")),
		chromedp.Navigate(admin+"/console/recent"), chromedp.WaitVisible(chromedp.ID("recent"))); err != nil {
		t.Fatal(err)
	}
	recent, counters := text("recent"), text("counters")
	for _, want := range []string{"401", "signature mismatch", "check the signing key", "Gladly-Time is 10m", "200", "auto_link", "emails=a***@e***.com"} {
		if !strings.Contains(recent, want) {
			t.Errorf("the recent requests lack %q:\n%s", want, recent)
		}
	}
	if !strings.Contains(counters, "refused (401) 2") || !strings.Contains(counters, "answered 1") {
		t.Errorf("counters: %s", counters)
	}

	try := func(kind string, fields map[string]string) (string, string) {
		steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(admin + "/console"), chromedp.WaitVisible(chromedp.ID("try")),
			chromedp.SetValue(chromedp.ID("kind"), kind)}
		for id, v := range fields {
			steps = append(steps, chromedp.SendKeys(chromedp.ID(id), v))
		}
		steps = append(steps, chromedp.Click(chromedp.ID("run")), chromedp.WaitVisible(chromedp.ID("verdicts")))
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("try %s: %v", kind, err)
		}
		html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		if err != nil {
			t.Fatal(err)
		}
		return text("result"), html
	}
	result, html := try("detailed", map[string]string{"externalCustomerId": "C-1003"})
	for _, want := range []string{"status 200", "C-1003", "✓ every value a string", "at most one result: 1", "ORDER readiness: 1 of 1 orders ready", "c***@e***.com"} {
		if !strings.Contains(result, want) {
			t.Errorf("detailed try-it lacks %q:\n%s", want, result)
		}
	}
	if strings.Contains(html, "charles@example.com") {
		t.Error("the page shows a customer's full email")
	}
	result, html = try("auto_link", map[string]string{"email": "ada@example.com"})
	if !strings.Contains(result, "Gladly would not auto-link: 2 results") {
		t.Errorf("auto-link try-it:\n%s\n%s", result, html)
	}
	if strings.Contains(html, "ada@example.com") || strings.Contains(html, "Lovelace") {
		t.Error("the page shows personal data beyond masked values")
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "console.png")
	if dst := os.Getenv("CONSOLE_SCREENSHOT"); dst != "" {
		shot = dst
	}
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
	mu.Lock()
	defer mu.Unlock()
	if len(pageErrors) > 0 {
		t.Errorf("errors in the page: %v", pageErrors)
	}
}

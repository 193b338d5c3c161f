package adaptor_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
)

// consoleServer is a lookup server over the demo customers that keeps requests for its
// console, and the admin listener serving that console.
func consoleServer(t *testing.T, token string) (*harness, string) {
	t.Helper()
	m := memory.New(testNorm)
	loadDemo(t, m)
	srv := mustNew(t, adaptor.Options{Verifier: &signing.Verifier{Keys: [][]byte{[]byte(testKey)}, MaxSkew: 5 * time.Minute},
		Store: m, Normalizer: testNorm, Now: func() time.Time { return testNow }, Recent: 50}, nil)
	h := serveOn(t, srv, 0, maxConns, nil)
	console, err := srv.Console(adaptor.ConsoleOptions{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	admin := httptest.NewServer(adaptor.Admin(nil, nil, console))
	t.Cleanup(admin.Close)
	return h, admin.URL
}

// The console in a real browser: a refused and an accepted lookup show with their verdicts, the
// try-it form runs a lookup and shows Gladly's rules, the page raises no error, and no full
// email reaches it.
func TestConsoleInABrowser(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is missing: .ci/run installs it")
		}
		t.Skip("no chromium")
	}
	h, admin := consoleServer(t, "")
	h.send(t, request{body: []byte(adaBody), key: "not-the-key"})
	h.send(t, request{body: []byte(adaBody), at: testNow.Add(-10 * time.Minute)})
	h.send(t, request{body: []byte(adaBody)})

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
	for _, want := range []string{"401", "signature mismatch", "check the signing key", "Gladly-Time is 10m0s off", "200", "auto_link", "emails=a***@e***.com"} {
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

// With admin.token set, the console asks for it; the right one, as a bearer token or entered
// in the page, opens it.
func TestConsoleToken(t *testing.T) {
	_, admin := consoleServer(t, "s3cret-token")
	get := func(edit func(*http.Request)) (int, string) {
		req, _ := http.NewRequest("GET", admin+"/console", nil)
		if edit != nil {
			edit(req)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b := new(strings.Builder)
		_, _ = io.Copy(b, resp.Body)
		return resp.StatusCode, b.String()
	}
	if status, body := get(nil); status != http.StatusUnauthorized || !strings.Contains(body, "needs the admin token") || strings.Contains(body, "recent") {
		t.Errorf("without the token: %d", status)
	}
	if status, _ := get(func(r *http.Request) { r.Header.Set("Authorization", "Bearer wrong") }); status != http.StatusUnauthorized {
		t.Errorf("a wrong token: %d", status)
	}
	if status, body := get(func(r *http.Request) { r.Header.Set("Authorization", "Bearer s3cret-token") }); status != http.StatusOK || !strings.Contains(body, `id="try"`) {
		t.Errorf("the token as a bearer: %d", status)
	}
	if status, _ := get(func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "console_token", Value: "s3cret-token"}) }); status != http.StatusOK {
		t.Errorf("the token entered in the page: %d", status)
	}
}

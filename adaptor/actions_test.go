package adaptor_test

import (
	"encoding/json"
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

	"github.com/lookup-adaptor/lookup-adaptor/actions"
	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/internal/component"
)

// demoActions are the demo catalog's actions, run by the built-in handler.
func demoActions(t *testing.T) adaptor.Actions {
	t.Helper()
	c, err := actions.LoadCatalog("../testdata/actions/demo.yaml", actions.BuiltinNames())
	if err != nil {
		t.Fatal(err)
	}
	handlers, err := c.Handlers(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return adaptor.Actions{Catalog: c, Handlers: handlers}
}

const detailedAda = `{"lookupLevel":"DETAILED","query":{"externalCustomerId":"C-1001"},"uniqueMatchRequired":true}`

// A DETAILED answer lists the profile's actions and, on each ORDER and SUBSCRIPTION whose fields
// meet the action's conditions, the transaction's; BASIC answers list none.
func TestDetailedAnswerCarriesActions(t *testing.T) {
	h := start(t, adaptor.Options{Actions: demoActions(t)})
	status, body := h.post(t, detailedAda)
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, body)
	}
	assertWireRules(t, []byte(body))
	var answer struct {
		Results []struct {
			Actions      []map[string]string `json:"actions"`
			Transactions []map[string]any    `json:"transactions"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		t.Fatal(err)
	}
	r := answer.Results[0]
	if len(r.Actions) != 1 || r.Actions[0]["name"] != "Add a note" || r.Actions[0]["formUrl"] != "/lookup/actions/add-note/customers/C-1001/form" {
		t.Errorf("profile actions: %v", r.Actions)
	}
	got := map[string]string{}
	for _, tx := range r.Transactions {
		id, _ := tx["orderNumber"].(string)
		if id == "" {
			id, _ = tx["subscriptionId"].(string)
		}
		list, _ := json.Marshal(tx["actions"])
		got[id] = string(list)
	}
	want := map[string]string{
		"1002": `[{"formUrl":"/lookup/actions/cancel-order/customers/C-1001/transactions/ORDER/1002/form","name":"Cancel order"}]`,
		// Delivered, it cannot be cancelled; the action the seed itself gives it stays.
		"1001": `[{"formUrl":"https://adaptor.example.com/actions/refund?order=1001","name":"Refund order"}]`,
		// The seed's own action first, then the catalog's.
		"SUB-42": `[{"formUrl":"https://adaptor.example.com/actions/pause?sub=SUB-42","name":"Pause subscription"},` +
			`{"formUrl":"/lookup/actions/skip-delivery/customers/C-1001/transactions/SUBSCRIPTION/SUB-42/form","name":"Skip deliveries"}]`,
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("transaction %s actions %s, want %s", id, got[id], w)
		}
	}
	if _, body := h.post(t, `{"lookupLevel":"BASIC","query":{"emails":["ada@example.com"]}}`); strings.Contains(body, "actions") {
		t.Errorf("a BASIC answer carries actions: %s", body)
	}
}

const cancelPath = "/lookup/actions/cancel-order/customers/C-1001/transactions/ORDER/1002"

// Every status of the action protocol, through the signed chain.
func TestActionForms(t *testing.T) {
	h := start(t, adaptor.Options{Actions: demoActions(t)})
	form := func(path, query string) (int, string) {
		resp, body := h.send(t, request{method: http.MethodGet, path: path, query: query})
		return resp.StatusCode, string(body)
	}
	// A signed GET with a query string (Gladly signs it too).
	status, body := form(cancelPath+"/form", "b=2&a=1")
	if status != http.StatusOK || !strings.Contains(body, `"title":"Cancel order 1002"`) ||
		!strings.Contains(body, `"actionUrl":"`+cancelPath+`/submit"`) || !strings.Contains(body, `"options":[{"text":"Damaged","value":"damaged"}`) {
		t.Fatalf("form: %d %s", status, body)
	}
	if status, body := form("/lookup/actions/add-note/customers/C-1001/form", ""); status != http.StatusOK || !strings.Contains(body, `"title":"Note on Ada Lovelace"`) {
		t.Errorf("profile form: %d %s", status, body)
	}
	for name, path := range map[string]string{
		"condition no longer holds":         "/lookup/actions/cancel-order/customers/C-1001/transactions/ORDER/1001/form",
		"unknown action":                    "/lookup/actions/teleport/customers/C-1001/form",
		"unknown customer":                  "/lookup/actions/add-note/customers/C-404/form",
		"unknown transaction":               "/lookup/actions/cancel-order/customers/C-1001/transactions/ORDER/9999/form",
		"wrong target":                      "/lookup/actions/cancel-order/customers/C-1001/transactions/SUBSCRIPTION/SUB-42/form",
		"transaction action on the profile": "/lookup/actions/cancel-order/customers/C-1001/form",
	} {
		if status, body := form(path, ""); status != http.StatusNotAcceptable || !strings.Contains(body, `"detail"`) {
			t.Errorf("%s: %d %s, want 406", name, status, body)
		}
	}
	resp, body2 := h.send(t, request{method: http.MethodGet, path: cancelPath + "/form", key: "wrong"})
	if resp.StatusCode != http.StatusUnauthorized || string(body2) != unauthorized {
		t.Errorf("unsigned form: %d %s", resp.StatusCode, body2)
	}

	submit := func(body string) (int, string) {
		resp, b := h.send(t, request{path: cancelPath + "/submit", body: []byte(body)})
		return resp.StatusCode, string(b)
	}
	if status, body := submit(`{"reason":"late","notify":true}`); status != http.StatusOK || !strings.Contains(body, `"message":"Done: cancel-order for ORDER 1002`) {
		t.Errorf("valid submission: %d %s", status, body)
	}
	if status, body := submit(`{"notify":true}`); status != http.StatusBadRequest || body != `{"errors":[{"attr":"reason","detail":"is required"}]}` {
		t.Errorf("missing reason: %d %s", status, body)
	}
	if status, body := submit(`{"reason":"bored"}`); status != http.StatusBadRequest || !strings.Contains(body, `"attr":"reason"`) {
		t.Errorf("not an option: %d %s", status, body)
	}
	if status, _ := submit(`[1,2]`); status != http.StatusBadRequest {
		t.Errorf("an array body: %d", status)
	}
	resp, _ = h.send(t, request{path: "/lookup/actions/cancel-order/customers/C-1001/transactions/ORDER/1001/submit", body: []byte(`{"reason":"late"}`)})
	if resp.StatusCode != http.StatusNotAcceptable {
		t.Errorf("submitting an action that no longer applies: %d", resp.StatusCode)
	}
	assertLogsOmit(t, h, "bored")
}

// The webhook handler through the whole chain: success, a field error, a failure and a
// timeout, against a test receiver; nothing of the upstream's failure reaches Gladly.
func TestActionWebhook(t *testing.T) {
	var mu sync.Mutex // the receiver's answer, set by each case
	var status int
	var body string
	var delay time.Duration
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		status, body, delay := status, body, delay
		mu.Unlock()
		time.Sleep(delay)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	defer receiver.Close()
	acts := demoActions(t)
	acts.Handlers["cancel-order"] = &actions.Webhook{URL: receiver.URL, Secret: []byte("s")}
	acts.Timeout = 300 * time.Millisecond
	h := start(t, adaptor.Options{Actions: acts})
	for name, tc := range map[string]struct {
		status     int
		body       string
		delay      time.Duration
		wantStatus int
		wantBody   string
		mustNotSay string
	}{
		"success":     {200, `{"message":"Cancelled; refund issued"}`, 0, 200, `{"message":"Cancelled; refund issued"}`, ""},
		"field error": {400, `{"errors":[{"attr":"reason","detail":"not for this carrier"}]}`, 0, 400, `{"errors":[{"attr":"reason","detail":"not for this carrier"}]}`, ""},
		"failure":     {500, `panic at /srv/orders.go:12`, 0, 406, `{"errors":[{"code":"not_acceptable","detail":"the action could not be carried out"}]}`, "orders.go"},
		"timeout":     {200, `{"message":"too late"}`, time.Second, 406, `{"errors":[{"code":"not_acceptable","detail":"the action could not be carried out"}]}`, "too late"},
	} {
		mu.Lock()
		status, body, delay = tc.status, tc.body, tc.delay
		mu.Unlock()
		resp, got := h.send(t, request{path: cancelPath + "/submit", body: []byte(`{"reason":"late"}`)})
		if resp.StatusCode != tc.wantStatus || string(got) != tc.wantBody {
			t.Errorf("%s: %d %s, want %d %s", name, resp.StatusCode, got, tc.wantStatus, tc.wantBody)
		}
	}
}

// Action URLs are absolute under server.public_url, and behind a path-rewriting proxy the
// signed path of an action route is signing.path plus the action's own path.
func TestActionURLsAndSignedPaths(t *testing.T) {
	acts := demoActions(t)
	acts.PublicURL = "https://adaptor.example.com"
	h := start(t, adaptor.Options{Actions: acts})
	if _, body := h.post(t, detailedAda); !strings.Contains(body, `"formUrl":"https://adaptor.example.com/lookup/actions/add-note/customers/C-1001/form"`) {
		t.Errorf("with server.public_url: %s", body)
	}
	p := start(t, adaptor.Options{Path: "/internal/lookup", SigningPath: "/lookup", Actions: demoActions(t)})
	resp, body := p.send(t, request{method: http.MethodGet, path: cancelPath + "/form", edit: func(r *http.Request) {
		r.URL.Path = "/internal" + r.URL.Path
	}})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("behind a proxy: %d %s", resp.StatusCode, body)
	}
}

// The Python receiver example of docs/actions.md verifies a webhook the real server sent, and
// refuses it tampered.
func TestPythonWebhookExample(t *testing.T) {
	python := component.Program(t, "python3", "the Python webhook example's test")
	var got []byte
	var header string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		header = r.Header.Get(actions.SignatureHeader)
		_, _ = w.Write([]byte(`{"message":"ok"}`))
	}))
	defer receiver.Close()
	acts := demoActions(t)
	acts.Handlers["cancel-order"] = &actions.Webhook{URL: receiver.URL, Secret: []byte("py-secret")}
	h := start(t, adaptor.Options{Actions: acts})
	if resp, body := h.send(t, request{path: cancelPath + "/submit", body: []byte(`{"reason":"late","notify":false}`)}); resp.StatusCode != http.StatusOK {
		t.Fatalf("submission: %d %s", resp.StatusCode, body)
	}
	verify := func(body []byte) error {
		f := filepath.Join(t.TempDir(), "body.json")
		if err := os.WriteFile(f, body, 0o600); err != nil {
			t.Fatal(err)
		}
		return exec.Command(python, "../docs/examples/verify_webhook.py", "py-secret", f, header).Run()
	}
	if err := verify(got); err != nil {
		t.Errorf("the Python example refuses a real webhook: %v (%s)", err, got)
	}
	if err := verify(append([]byte(nil), strings.Replace(string(got), "late", "lost", 1)...)); err == nil {
		t.Error("the Python example accepts a tampered body")
	}
}

// A submission is decoded as strictly as a lookup (nothing after the object), only the form's
// inputs reach the handler, and OPTIONS on an action route is 405 like any other method.
func TestActionSubmissionsAreStrict(t *testing.T) {
	var mu sync.Mutex
	var got []byte
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got, _ = io.ReadAll(r.Body)
		mu.Unlock()
		_, _ = w.Write([]byte(`{"message":"ok"}`))
	}))
	defer receiver.Close()
	acts := demoActions(t)
	acts.Handlers["cancel-order"] = &actions.Webhook{URL: receiver.URL, Secret: []byte("s")}
	h := start(t, adaptor.Options{Actions: acts})
	submit := func(body string) int {
		resp, _ := h.send(t, request{path: cancelPath + "/submit", body: []byte(body)})
		return resp.StatusCode
	}
	if status := submit(`{"reason":"late"}}`); status != http.StatusBadRequest {
		t.Errorf("a submission with a stray } after it: %d, want 400", status)
	}
	if status := submit(`{"reason":"late","admin":true,"refund_to":"attacker"}`); status != http.StatusOK {
		t.Fatalf("a submission with keys not on the form: %d", status)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(string(got), "admin") || strings.Contains(string(got), "attacker") || !strings.Contains(string(got), `"reason":"late"`) {
		t.Errorf("the webhook received %s", got)
	}
	for _, path := range []string{cancelPath + "/form", cancelPath + "/submit"} {
		resp, _ := h.send(t, request{method: http.MethodOptions, path: path})
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("OPTIONS %s: %d, want 405", path, resp.StatusCode)
		}
	}
}

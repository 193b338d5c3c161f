package actions_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/actions"
)

const demo = "../testdata/actions/demo.yaml"

func TestDemoCatalogLoads(t *testing.T) {
	c, err := actions.LoadCatalog(demo, actions.BuiltinNames())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.For(actions.TargetOrder)) != 1 || len(c.For(actions.TargetCustomer)) != 1 || len(c.For(actions.TargetSubscription)) != 1 {
		t.Errorf("demo catalog: %+v", c)
	}
}

// A bad catalog is refused, naming the action and the problem.
func TestBadCatalogs(t *testing.T) {
	form := "form: {title: T, sections: [{type: input, label: L, attr: a, input: {type: text}}]}"
	for name, tc := range map[string]struct{ yaml, want string }{
		"bad target":       {"actions: [{id: x, name: X, target: FLIGHT, " + form + ", run: {builtin: acknowledge}}]", `action x: target "FLIGHT" is not customer, ORDER or SUBSCRIPTION`},
		"bad id":           {"actions: [{id: X_1, name: X, target: customer, " + form + ", run: {builtin: acknowledge}}]", "action X_1: id must be lower-case letters, digits and -"},
		"duplicate id":     {"actions: [{id: x, name: X, target: customer, " + form + ", run: {builtin: acknowledge}}, {id: x, name: Y, target: customer, " + form + ", run: {builtin: acknowledge}}]", "action x: id is used twice"},
		"no run":           {"actions: [{id: x, name: X, target: customer, " + form + "}]", "action x: run needs a webhook or a builtin"},
		"two runs":         {"actions: [{id: x, name: X, target: customer, " + form + ", run: {builtin: acknowledge, webhook: 'http://127.0.0.1:1/'}}]", "action x: run has both"},
		"unknown builtin":  {"actions: [{id: x, name: X, target: customer, " + form + ", run: {builtin: teleport}}]", `action x: run.builtin "teleport" is not one of acknowledge`},
		"bad input type":   {"actions: [{id: x, name: X, target: customer, form: {title: T, sections: [{type: input, attr: a, input: {type: date}}]}, run: {builtin: acknowledge}}]", `action x: form.sections[0]: input type "date" is not text, select or checkbox`},
		"duplicate attr":   {"actions: [{id: x, name: X, target: customer, form: {title: T, sections: [{type: input, attr: a, input: {type: text}}, {type: input, attr: a, input: {type: text}}]}, run: {builtin: acknowledge}}]", `action x: form.sections[1]: attr "a" is used twice`},
		"duplicate option": {"actions: [{id: x, name: X, target: customer, form: {title: T, sections: [{type: input, attr: a, input: {type: select, options: [{text: A, value: v}, {text: B, value: v}]}}]}, run: {builtin: acknowledge}}]", `option values must be unique and non-empty ("v")`},
		"unknown key":      {"actions: [{id: x, name: X, target: customer, colour: red, " + form + ", run: {builtin: acknowledge}}]", "field colour not found"},
	} {
		path := filepath.Join(t.TempDir(), "catalog.yaml")
		if err := os.WriteFile(path, []byte(tc.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := actions.LoadCatalog(path, actions.BuiltinNames())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to say %q", name, err, tc.want)
		}
	}
}

func cancelForm(t testing.TB) actions.Form {
	t.Helper()
	c, err := actions.LoadCatalog(demo, actions.BuiltinNames())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := c.Find("cancel-order")
	return a.Form
}

func TestValidate(t *testing.T) {
	form := cancelForm(t)
	long := strings.Repeat("x", actions.MaxTextLen+1)
	for name, tc := range map[string]struct {
		values map[string]any
		want   string // attr: detail of each error, joined
	}{
		"valid":                {map[string]any{"reason": "late", "notify": true}, ""},
		"valid, optional text": {map[string]any{"reason": "late", "note": "call first"}, ""},
		"checkbox left out":    {map[string]any{"reason": "damaged"}, ""},
		"required missing":     {map[string]any{"notify": true}, "reason: is required"},
		"required blank":       {map[string]any{"reason": "  "}, "reason: is required"},
		"not an option":        {map[string]any{"reason": "bored"}, "reason: is not one of the options"},
		"checkbox not boolean": {map[string]any{"reason": "late", "notify": "yes"}, "notify: must be true or false"},
		"text too long":        {map[string]any{"reason": "late", "note": long}, "note: is longer than 1000 characters"},
		"select not a string":  {map[string]any{"reason": 3}, "reason: must be a string"},
		"two problems":         {map[string]any{"notify": 1}, "reason: is required; notify: must be true or false"},
		"unknown keys ignored": {map[string]any{"reason": "late", "other": []any{1}}, ""},
	} {
		var got []string
		for _, e := range form.Validate(tc.values) {
			got = append(got, e.Attr+": "+e.Detail)
		}
		// Sections are checked in form order: reason, notify, note.
		if strings.Join(got, "; ") != tc.want {
			t.Errorf("%s: %q, want %q", name, strings.Join(got, "; "), tc.want)
		}
	}
}

// FuzzValidate: any submitted JSON object gives a list of errors naming inputs of the form,
// never a panic; whatever passes has every required input as a listed option.
func FuzzValidate(f *testing.F) {
	f.Add(`{"reason":"late","notify":true}`)
	f.Add(`{"reason":null,"notify":"true","note":7}`)
	f.Add(`{}`)
	form := cancelForm(f)
	f.Fuzz(func(t *testing.T, body string) {
		var values map[string]any
		if json.Unmarshal([]byte(body), &values) != nil {
			return
		}
		errs := form.Validate(values)
		for _, e := range errs {
			if e.Attr != "reason" && e.Attr != "notify" && e.Attr != "note" {
				t.Fatalf("error for %q, not an input of the form", e.Attr)
			}
		}
		if len(errs) == 0 {
			if r, _ := values["reason"].(string); r != "damaged" && r != "late" && r != "changed-mind" {
				t.Fatalf("accepted reason %v", values["reason"])
			}
		}
	})
}

// receiver is a test webhook receiver answering with status and body after delay, and keeping
// what it was sent.
type receiver struct {
	status int
	body   string
	delay  time.Duration
	got    []byte
	sig    string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.got, _ = io.ReadAll(req.Body)
	r.sig = req.Header.Get(actions.SignatureHeader)
	time.Sleep(r.delay)
	w.WriteHeader(r.status)
	_, _ = io.WriteString(w, r.body)
}

func TestWebhook(t *testing.T) {
	secret := []byte("webhook-secret")
	sub := actions.Submission{Action: "cancel-order", ExternalCustomerID: "C-1001",
		Transaction: &actions.TransactionRef{Type: "ORDER", ID: "1002"}, Values: map[string]any{"reason": "late", "notify": true}, CorrelationID: "corr-1"}
	var took time.Duration
	run := func(r *receiver, timeout time.Duration) (actions.Outcome, error) {
		srv := httptest.NewServer(r)
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		w := &actions.Webhook{URL: srv.URL, Secret: secret, Now: func() time.Time { return time.Unix(1700000000, 0) }}
		start := time.Now()
		defer func() { took = time.Since(start) }()
		return w.Run(ctx, sub)
	}

	ok := &receiver{status: 200, body: `{"message":"Order 1002 cancelled"}`}
	out, err := run(ok, time.Second)
	if err != nil || out.Message != "Order 1002 cancelled" || len(out.Errors) > 0 {
		t.Fatalf("success: %+v %v", out, err)
	}
	want := `{"action":"cancel-order","externalCustomerId":"C-1001","transaction":{"type":"ORDER","id":"1002"},"values":{"notify":true,"reason":"late"},"correlationId":"corr-1"}`
	if string(ok.got) != want {
		t.Errorf("payload\n %s\nwant\n %s", ok.got, want)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("1700000000." + string(ok.got)))
	if wantSig := "t=1700000000,v1=" + hex.EncodeToString(mac.Sum(nil)); ok.sig != wantSig {
		t.Errorf("signature %q, want %q", ok.sig, wantSig)
	}

	out, err = run(&receiver{status: 400, body: `{"errors":[{"attr":"reason","detail":"` + strings.Repeat("d", 900) + `"}]}`}, time.Second)
	if err != nil || len(out.Errors) != 1 || out.Errors[0].Attr != "reason" || len(out.Errors[0].Detail) != 500+len("…") || !strings.HasSuffix(out.Errors[0].Detail, "…") {
		t.Errorf("field error: %+v %v", out, err)
	}
	for name, r := range map[string]*receiver{
		"500":                {status: 500, body: "stack trace at /srv/secret.go"},
		"400 without errors": {status: 400, body: "nope"},
		"404":                {status: 404},
	} {
		if out, err := run(r, time.Second); err == nil {
			t.Errorf("%s: %+v, want a failure", name, out)
		}
	}
	if _, err := run(&receiver{status: 200, delay: time.Second}, 200*time.Millisecond); err == nil {
		t.Error("a receiver slower than the timeout succeeded")
	}
	if took > 800*time.Millisecond {
		t.Errorf("the webhook gave up after %s, not at its 200ms deadline", took)
	}
}

// A webhook that answers with a redirect fails: the submission and its signature are never
// sent where it points. Errors name the URL with its password redacted.
func TestWebhookFollowsNoRedirectAndRedactsItsURL(t *testing.T) {
	elsewhere := &receiver{status: 200, body: `{"message":"stolen"}`}
	other := httptest.NewServer(elsewhere)
	defer other.Close()
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
	}))
	defer redirecting.Close()
	u, _ := url.Parse(redirecting.URL)
	u.User = url.UserPassword("hook", "hunter2")
	w := &actions.Webhook{URL: u.String(), Secret: []byte("s"), Client: &http.Client{}}
	_, err := w.Run(context.Background(), actions.Submission{Action: "a", Values: map[string]any{}})
	if err == nil || !strings.Contains(err.Error(), "a redirect, not followed") {
		t.Errorf("a redirecting webhook: %v", err)
	}
	if elsewhere.got != nil {
		t.Error("the submission reached the redirect's target")
	}
	if err != nil && (strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "hook:xxxxx@")) {
		t.Errorf("the error names the credentials: %v", err)
	}
	_, err = (&actions.Webhook{URL: "http://hook:hunter2@127.0.0.1:1/x", Secret: []byte("s")}).Run(context.Background(), actions.Submission{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("an unreachable webhook: %v", err)
	}
}

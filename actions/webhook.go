package actions

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
)

// SignatureHeader carries a webhook's signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<body>" keyed with actions.webhook_secret>.
const SignatureHeader = "Adaptor-Signature"

// Bounds on what an upstream's 400 passes on to Gladly.
const (
	maxUpstreamErrors = 20
	maxUpstreamDetail = 500
	maxUpstreamBody   = 64 << 10
)

// Webhook is the Handler that POSTs the submission as JSON to an internal URL, signed with
// Secret. The upstream's 2xx is success (with its "message" when it sends one); its 400 with
// "errors" is passed on as fixable errors; anything else — a redirect included, which is never
// followed — or no answer within the context's deadline, is a failure. Errors name the URL with
// its password redacted.
type Webhook struct {
	URL    string
	Secret []byte
	Client *http.Client // nil means a client with no timeout of its own; its redirects are never followed
	Now    func() time.Time
}

// Sign returns the SignatureHeader value for body at t: what a receiver recomputes to verify.
func Sign(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// Run implements Handler.
func (w *Webhook) Run(ctx context.Context, s Submission) (Outcome, error) {
	body, err := json.Marshal(s)
	if err != nil {
		return Outcome{}, err
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return Outcome{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(w.Secret, body, now()))
	var client http.Client // a copy: the webhook never follows a redirect, whatever the client does
	if w.Client != nil {
		client = *w.Client
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		return Outcome{}, fmt.Errorf("webhook %s: %w", redact(w.URL), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamBody))
	if err != nil {
		return Outcome{}, fmt.Errorf("webhook %s: reading the answer: %w", redact(w.URL), err)
	}
	var answer struct {
		Message string       `json:"message"`
		Errors  []FieldError `json:"errors"`
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		_ = json.Unmarshal(raw, &answer) // a 2xx without a JSON message is success all the same
		return Outcome{Message: text.Truncate(answer.Message, maxUpstreamDetail)}, nil
	case resp.StatusCode == http.StatusBadRequest && json.Unmarshal(raw, &answer) == nil && len(answer.Errors) > 0:
		out := Outcome{}
		for _, e := range answer.Errors[:min(len(answer.Errors), maxUpstreamErrors)] {
			out.Errors = append(out.Errors, FieldError{Attr: text.Truncate(e.Attr, maxUpstreamDetail), Detail: text.Truncate(e.Detail, maxUpstreamDetail)})
		}
		return out, nil
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// Following it would send the submission, and a valid signature, to wherever the
		// upstream points.
		return Outcome{}, fmt.Errorf("webhook %s answered %s (a redirect, not followed)", redact(w.URL), resp.Status)
	}
	return Outcome{}, fmt.Errorf("webhook %s answered %s", redact(w.URL), resp.Status)
}

// redact is raw with any password replaced by xxxxx, for log lines and errors; an URL that does
// not parse is named by its scheme only.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		scheme, _, _ := strings.Cut(raw, ":")
		return scheme + "://(an URL that does not parse)"
	}
	return u.Redacted()
}

// Handlers builds the Handler of every action of the catalog: its webhook (signed with
// secret) or its builtin.
func (c *Catalog) Handlers(secret []byte, client *http.Client) (map[string]Handler, error) {
	out := map[string]Handler{}
	if c == nil {
		return out, nil
	}
	for _, a := range c.Actions {
		switch {
		case a.Run.Webhook != "":
			if len(secret) == 0 {
				return nil, errors.New("actions.webhook_secret is required when an action runs a webhook (set ADAPTOR_ACTIONS_WEBHOOK_SECRET)")
			}
			out[a.ID] = &Webhook{URL: a.Run.Webhook, Secret: secret, Client: client}
		default:
			h, ok := Builtin(a.Run.Builtin)
			if !ok {
				return nil, fmt.Errorf("action %s: run.builtin %q is not a built-in handler; want one of %s", a.ID, a.Run.Builtin, strings.Join(BuiltinNames(), ", "))
			}
			out[a.ID] = h
		}
	}
	return out, nil
}

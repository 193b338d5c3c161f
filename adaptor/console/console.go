// Package console is the operator console of the admin listener (docs/operations.md): the last
// requests the server answered, with the reason of each refusal that the 401 body keeps to
// itself; live counters; and a try-it form that runs a lookup through the whole server and
// shows the answer beside Gladly's rules. It shows no personal data beyond masked values.
//
//	recent, _ := console.NewRecent(200)
//	srv, _ := adaptor.New(adaptor.Options{…, Observer: recent}, log)
//	c, _ := console.New(console.Options{Server: srv, Recent: recent, Normalizer: norm})
//	c.Register(adminMux)
package console

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/internal/mask"
	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
	"github.com/lookup-adaptor/lookup-adaptor/wirerules"
)

//go:embed console.html
var files embed.FS

var page = template.Must(template.New("console.html").Funcs(template.FuncMap{
	"ms": func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) },
}).ParseFS(files, "console.html"))

// Options configure a Console.
type Options struct {
	// Server runs the try-it lookups; required.
	Server *adaptor.Server
	// Recent is the list the console shows; the server must have it as its Observer. Required.
	Recent *Recent
	// Normalizer compares the try-it phone with the answer's, for the auto-link verdict; required.
	Normalizer *store.Normalizer
	// Token, when set, is required: as a bearer token, or entered once in the page (admin.token).
	Token string
	// Addr is the admin listener's address (admin.addr): without a Token, the console answers
	// only requests addressed to its host or to a loopback name.
	Addr string
}

// Console serves the console's pages.
type Console struct {
	o       Options
	want    [sha256.Size]byte
	guesses *tokenGuesses
}

// New returns the console o describes, or an error naming what it lacks.
func New(o Options) (*Console, error) {
	switch {
	case o.Server == nil:
		return nil, errors.New("console: Options.Server is required")
	case o.Recent == nil:
		return nil, errors.New("console: Options.Recent is required")
	case o.Normalizer == nil:
		return nil, errors.New("console: Options.Normalizer is required")
	}
	return &Console{o: o, want: sha256.Sum256([]byte(o.Token)), guesses: newTokenGuesses()}, nil
}

// Register adds the console's routes — /console, /console/recent and the login and try-it
// forms — to mux, the admin listener's one router, behind the console's guard.
func (c *Console) Register(mux *http.ServeMux) {
	routes := map[string]http.HandlerFunc{
		"GET /console": func(w http.ResponseWriter, r *http.Request) {
			if c.authorized(w, r) {
				c.render(w, view{})
			}
		},
		// The recent requests and counters, in a frame of the page that refreshes itself, so
		// that the counters are live while the try-it form keeps what is typed in it.
		"GET /console/recent": func(w http.ResponseWriter, r *http.Request) {
			if c.authorized(w, r) {
				c.render(w, view{RecentOnly: true})
			}
		},
		"POST /console/login": func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "console_token", Value: r.PostFormValue("token"), Path: "/console",
				HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
			http.Redirect(w, r, "/console", http.StatusSeeOther)
		},
		"POST /console/try": func(w http.ResponseWriter, r *http.Request) {
			if c.authorized(w, r) {
				c.render(w, view{Try: c.try(r)})
			}
		},
	}
	for pattern, h := range routes {
		mux.Handle(pattern, guard(h, c.o))
	}
}

// render writes the page, with the recent list and counters as they are now.
func (c *Console) render(w http.ResponseWriter, v view) {
	rec := c.o.Recent
	v.Recent, v.Total, v.OK, v.Refused, v.Failed = rec.list(), rec.total.Load(), rec.ok.Load(), rec.refused.Load(), rec.failed.Load()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := page.Execute(w, v); err != nil {
		http.Error(w, "console: "+err.Error(), http.StatusInternalServerError)
	}
}

// authorized answers the request itself and returns false unless it carries the token (always
// true without one). Wrong tokens are slowed down.
func (c *Console) authorized(w http.ResponseWriter, r *http.Request) bool {
	if c.o.Token == "" {
		return true
	}
	got := ""
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		got = strings.TrimPrefix(h, "Bearer ")
	} else if ck, err := r.Cookie("console_token"); err == nil {
		got = ck.Value
	}
	sum := sha256.Sum256([]byte(got))
	if subtle.ConstantTimeCompare(sum[:], c.want[:]) == 1 {
		return true
	}
	if got != "" {
		if ok, wait := c.guesses.allow(); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			http.Error(w, "too many wrong tokens; try again later", http.StatusTooManyRequests)
			return false
		}
	}
	w.WriteHeader(http.StatusUnauthorized)
	c.render(w, view{NeedToken: true})
	return false
}

// view is what the page shows.
type view struct {
	NeedToken, RecentOnly      bool
	Recent                     []adaptor.Seen
	Total, OK, Refused, Failed int64
	Try                        *tryResult
}

// tryResult is a try-it lookup: what was asked (masked), the answer summarised without
// personal data, and the verdicts of Gladly's rules.
type tryResult struct {
	Kind     string
	Asked    []string
	Status   int
	Results  []tryCustomer
	Verdicts []verdict
	Error    string
}

type tryCustomer struct {
	ExternalID   string
	Emails       []string // masked
	Phones       []string // masked, with type
	Fields       []string // the other fields present
	Transactions []string // type and id
}

type verdict struct {
	OK   bool
	Text string
}

// try runs the lookup the form describes through the whole server.
func (c *Console) try(r *http.Request) *tryResult {
	kind, email, phone := r.PostFormValue("kind"), strings.TrimSpace(r.PostFormValue("email")), strings.TrimSpace(r.PostFormValue("phone"))
	name, id, order := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("externalCustomerId")), strings.TrimSpace(r.PostFormValue("orderNumber"))
	t := &tryResult{Kind: kind}
	query := map[string]any{"id": "console-try"}
	level, detailed := adaptor.LevelBasic, false
	switch kind {
	case "auto_link":
		query["emails"], query["phones"] = nonEmpty(email), nonEmpty(phone)
		if name != "" {
			query["name"] = name
		}
	case "basic_search":
		for k, v := range map[string]string{"email": email, "phone": phone, "name": name, "externalCustomerId": id, "orderNumber": order} {
			if v != "" {
				query[k] = v
			}
		}
	case "detailed":
		level, detailed = adaptor.LevelDetailed, true
		query["externalCustomerId"] = id
	default:
		t.Error = "pick auto-link, basic search or detailed lookup"
		return t
	}
	body := mustJSON(map[string]any{"lookupLevel": level, "query": query, "uniqueMatchRequired": detailed})
	var raw map[string]json.RawMessage
	if json.Unmarshal(mustJSON(query), &raw) == nil {
		t.Asked = adaptor.MaskedQuery(raw)
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	status, answer, err := c.o.Server.Try(ctx, body, "console-try") // the correlation id marks its row
	if err != nil {
		t.Error = err.Error()
		return t
	}
	t.Status = status
	if status != http.StatusOK {
		t.Error = text.Truncate(string(answer), 512)
		return t
	}
	problems := wirerules.Problems(answer, detailed)
	t.Verdicts = append(t.Verdicts, verdict{len(problems) == 0, "every value a string, results only: " + orNone(problems)})
	var decoded struct {
		Results []answerResult `json:"results"`
	}
	_ = json.Unmarshal(answer, &decoded)
	var fields []map[string]json.RawMessage
	_ = json.Unmarshal(answerResults(answer), &fields)
	var readiness transactions.Readiness
	for i, res := range decoded.Results {
		tc := tryCustomer{ExternalID: res.ExternalID}
		for _, e := range res.Emails {
			tc.Emails = append(tc.Emails, mask.Email(e.Original))
		}
		for _, p := range res.Phones {
			tc.Phones = append(tc.Phones, mask.Phone(p.Original)+" "+p.Type)
		}
		if i < len(fields) {
			for k := range fields[i] {
				if !slices.Contains([]string{"externalCustomerId", "emails", "phones", "transactions"}, k) {
					tc.Fields = append(tc.Fields, k)
				}
			}
			slices.Sort(tc.Fields)
		}
		var txs []transactions.Transaction
		for _, raw := range res.Transactions {
			var head struct{ Type, OrderNumber, SubscriptionID, ConfirmationCode, ConfirmationNumber string }
			_ = json.Unmarshal(raw, &head)
			tc.Transactions = append(tc.Transactions, strings.TrimSpace(head.Type+" "+head.OrderNumber+head.SubscriptionID+head.ConfirmationCode+head.ConfirmationNumber))
			txs = append(txs, transactions.Load(transactions.Type(head.Type), time.Time{}, raw))
		}
		readiness.Add(res.ExternalID, txs)
		t.Results = append(t.Results, tc)
	}
	if detailed {
		t.Verdicts = append(t.Verdicts, verdict{len(decoded.Results) <= 1, fmt.Sprintf("a DETAILED answer holds at most one result: %d", len(decoded.Results))})
		lines := readiness.Lines()
		t.Verdicts = append(t.Verdicts, verdict{readiness.Orders == readiness.Ready, strings.Join(lines, "; ")})
	}
	if kind == "auto_link" {
		t.Verdicts = append(t.Verdicts, c.wouldLink(email, phone, decoded.Results))
	}
	return t
}

// wouldLink says whether Gladly would link the profile: exactly one result, sharing an email or
// a MOBILE phone with it.
func (c *Console) wouldLink(email, phone string, results []answerResult) verdict {
	if len(results) != 1 {
		return verdict{false, fmt.Sprintf("Gladly would not auto-link: %d results, and it links only on exactly one", len(results))}
	}
	r := results[0]
	for _, e := range r.Emails {
		if email != "" && store.NormalizeEmail(e.Original) == store.NormalizeEmail(email) {
			return verdict{true, "Gladly would auto-link " + r.ExternalID + ": one result, sharing the email"}
		}
	}
	want, _ := c.o.Normalizer.Phone(phone)
	for _, p := range r.Phones {
		if got, _ := c.o.Normalizer.Phone(p.Original); want != "" && got == want {
			if p.Type == string(store.Mobile) {
				return verdict{true, "Gladly would auto-link " + r.ExternalID + ": one result, sharing a MOBILE phone"}
			}
			return verdict{false, "Gladly would not auto-link: the shared phone is " + p.Type + ", and it links only on a MOBILE phone or an email"}
		}
	}
	return verdict{false, "Gladly would not auto-link: the one result shares no email and no MOBILE phone with the profile"}
}

// answerResult is what the console reads of one result of an answer.
type answerResult struct {
	ExternalID string `json:"externalCustomerId"`
	Emails     []struct {
		Original string `json:"original"`
	} `json:"emails"`
	Phones []struct {
		Original string `json:"original"`
		Type     string `json:"type"`
	} `json:"phones"`
	Transactions []json.RawMessage `json:"transactions"`
}

// mustJSON marshals what cannot fail to: maps of strings and string slices.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func nonEmpty(s string) []string {
	if s == "" {
		return []string{}
	}
	return []string{s}
}

func orNone(problems []string) string {
	if len(problems) == 0 {
		return "yes"
	}
	return "no — " + strings.Join(problems, "; ")
}

// answerResults is the results array of an answer, raw.
func answerResults(answer []byte) []byte {
	var top map[string]json.RawMessage
	_ = json.Unmarshal(answer, &top)
	return top["results"]
}

package adaptor

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
	"github.com/lookup-adaptor/lookup-adaptor/wirerules"
)

//go:embed console.html
var consoleFiles embed.FS

var consolePage = template.Must(template.New("console.html").Funcs(template.FuncMap{
	"ms": func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) },
}).ParseFS(consoleFiles, "console.html"))

// ConsoleOptions configure the console.
type ConsoleOptions struct {
	// Token, when set, is required: as a bearer token, or entered once in the page (admin.token).
	Token string
	// Addr is the admin listener's address (admin.addr): without a Token, the console answers
	// only requests addressed to its host or to a loopback name.
	Addr string
}

// Console serves the operator console (mounted at /console on the admin listener): the recent
// requests with the reason of each refusal, live counters, and a try-it form that runs a lookup
// through the whole server — signed with the first signing key — and shows the answer beside
// Gladly's rules. It shows no personal data beyond masked values. The server must have been
// built with Options.Recent > 0; Console fails otherwise.
func (s *Server) Console(o ConsoleOptions) (http.Handler, error) {
	if s.recent == nil {
		return nil, errors.New("adaptor: the console needs a server built with Options.Recent > 0")
	}
	mux := http.NewServeMux()
	want := sha256.Sum256([]byte(o.Token))
	guesses := newTokenGuesses()
	render := func(w http.ResponseWriter, v consoleView) {
		v.Recent, v.Total, v.OK, v.Refused, v.Failed = s.recent.list(), s.recent.total.Load(), s.recent.ok.Load(), s.recent.refused.Load(), s.recent.failed.Load()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := consolePage.Execute(w, v); err != nil {
			http.Error(w, "console: "+err.Error(), http.StatusInternalServerError)
		}
	}
	// authorized answers the request itself and returns false unless it carries the token
	// (always true without one). Wrong tokens are slowed down.
	authorized := func(w http.ResponseWriter, r *http.Request) bool {
		if o.Token == "" {
			return true
		}
		got := ""
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			got = strings.TrimPrefix(h, "Bearer ")
		} else if c, err := r.Cookie("console_token"); err == nil {
			got = c.Value
		}
		sum := sha256.Sum256([]byte(got))
		if subtle.ConstantTimeCompare(sum[:], want[:]) == 1 {
			return true
		}
		if got != "" {
			if ok, wait := guesses.allow(); !ok {
				w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
				http.Error(w, "too many wrong tokens; try again later", http.StatusTooManyRequests)
				return false
			}
		}
		w.WriteHeader(http.StatusUnauthorized)
		render(w, consoleView{NeedToken: true})
		return false
	}
	mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		if authorized(w, r) {
			render(w, consoleView{})
		}
	})
	// The recent requests and counters, in a frame of the page that refreshes itself, so that
	// the counters are live while the try-it form keeps what is typed in it.
	mux.HandleFunc("GET /console/recent", func(w http.ResponseWriter, r *http.Request) {
		if authorized(w, r) {
			render(w, consoleView{RecentOnly: true})
		}
	})
	mux.HandleFunc("POST /console/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "console_token", Value: r.PostFormValue("token"), Path: "/console",
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
		http.Redirect(w, r, "/console", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /console/try", func(w http.ResponseWriter, r *http.Request) {
		if authorized(w, r) {
			render(w, consoleView{Try: s.try(r, s.auth.Load().verifier.Keys[0])})
		}
	})
	return consoleGuard(mux, o), nil
}

// consoleView is what the page shows.
type consoleView struct {
	NeedToken, RecentOnly      bool
	Recent                     []Seen
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

// try runs the lookup the form describes through the whole server chain.
func (s *Server) try(r *http.Request, key []byte) *tryResult {
	kind, email, phone := r.PostFormValue("kind"), strings.TrimSpace(r.PostFormValue("email")), strings.TrimSpace(r.PostFormValue("phone"))
	name, id, order := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("externalCustomerId")), strings.TrimSpace(r.PostFormValue("orderNumber"))
	t := &tryResult{Kind: kind}
	query := map[string]any{"id": "console-try"}
	level, detailed := LevelBasic, false
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
		level, detailed = LevelDetailed, true
		query["externalCustomerId"] = id
	default:
		t.Error = "pick auto-link, basic search or detailed lookup"
		return t
	}
	body, _ := json.Marshal(map[string]any{"lookupLevel": level, "query": query, "uniqueMatchRequired": detailed})
	if raw, err := rawQuery(query); err == nil {
		t.Asked = maskedQuery(raw)
	}
	sr, err := signing.NewRequest(key, http.MethodPost, s.opts.Path, "", body, s.opts.Now())
	if err != nil {
		t.Error = err.Error()
		return t
	}
	sr.Header.Set("Gladly-Correlation-Id", "console-try") // so the row of the try is recognisable
	sr.Header.Del(signing.HeaderAuthorization)
	auth, err := signing.Sign(key, sr)
	if err != nil {
		t.Error = err.Error()
		return t
	}
	sr.Header.Set(signing.HeaderAuthorization, auth)
	req := httptest.NewRequest(http.MethodPost, s.opts.Path, bytes.NewReader(body))
	req.Header = sr.Header
	resp := httptest.NewRecorder()
	s.ServeHTTP(resp, req)
	t.Status = resp.Code
	answer := resp.Body.Bytes()
	if resp.Code != http.StatusOK {
		t.Error = truncate(string(answer), maxLoggedError)
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
		c := tryCustomer{ExternalID: res.ExternalID}
		for _, e := range res.Emails {
			c.Emails = append(c.Emails, maskEmail(e.Original))
		}
		for _, p := range res.Phones {
			c.Phones = append(c.Phones, maskPhone(p.Original)+" "+p.Type)
		}
		if i < len(fields) {
			for k := range fields[i] {
				if !slices.Contains([]string{"externalCustomerId", "emails", "phones", "transactions"}, k) {
					c.Fields = append(c.Fields, k)
				}
			}
			slices.Sort(c.Fields)
		}
		var txs []transactions.Transaction
		for _, raw := range res.Transactions {
			var head struct{ Type, OrderNumber, SubscriptionID, ConfirmationCode, ConfirmationNumber string }
			_ = json.Unmarshal(raw, &head)
			c.Transactions = append(c.Transactions, strings.TrimSpace(head.Type+" "+head.OrderNumber+head.SubscriptionID+head.ConfirmationCode+head.ConfirmationNumber))
			txs = append(txs, transactions.Load(transactions.Type(head.Type), time.Time{}, raw))
		}
		readiness.Add(res.ExternalID, txs)
		t.Results = append(t.Results, c)
	}
	if detailed {
		t.Verdicts = append(t.Verdicts, verdict{len(decoded.Results) <= 1, fmt.Sprintf("a DETAILED answer holds at most one result: %d", len(decoded.Results))})
		lines := readiness.Lines()
		t.Verdicts = append(t.Verdicts, verdict{readiness.Orders == readiness.Ready, strings.Join(lines, "; ")})
	}
	if kind == "auto_link" {
		t.Verdicts = append(t.Verdicts, s.wouldLink(email, phone, decoded.Results))
	}
	return t
}

// wouldLink says whether Gladly would link the profile: exactly one result, sharing an email or
// a MOBILE phone with it.
func (s *Server) wouldLink(email, phone string, results []answerResult) verdict {
	if len(results) != 1 {
		return verdict{false, fmt.Sprintf("Gladly would not auto-link: %d results, and it links only on exactly one", len(results))}
	}
	r := results[0]
	for _, e := range r.Emails {
		if email != "" && store.NormalizeEmail(e.Original) == store.NormalizeEmail(email) {
			return verdict{true, "Gladly would auto-link " + r.ExternalID + ": one result, sharing the email"}
		}
	}
	want, _ := s.opts.Normalizer.Phone(phone)
	for _, p := range r.Phones {
		if got, _ := s.opts.Normalizer.Phone(p.Original); want != "" && got == want {
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

// rawQuery re-reads a query map as the request decoder would keep it.
func rawQuery(q map[string]any) (rawObject, error) {
	b, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	var raw rawObject
	return raw, json.Unmarshal(b, &raw)
}

// answerResults is the results array of an answer, raw.
func answerResults(answer []byte) []byte {
	var top map[string]json.RawMessage
	_ = json.Unmarshal(answer, &top)
	return top["results"]
}

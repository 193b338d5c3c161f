package console

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Bounds of the console's own requests.
const (
	// maxConsoleForm bounds a console form's body: the try-it form is a few fields.
	maxConsoleForm = 16 << 10
	// Wrong admin tokens are answered at most tokenGuessRate a second (bursts of
	// tokenGuessBurst); past that, 429 without checking, so that guessing takes years.
	tokenGuessRate  = 1
	tokenGuessBurst = 5
)

// guard keeps the console to its own page: without a token, only requests addressed to
// a loopback name or the admin listener's own host (so that a page on another site, resolving
// its name to 127.0.0.1, cannot read it); no cross-site POST (Origin and Sec-Fetch-Site, by
// net/http's CrossOriginProtection); never inside a frame; small forms.
func guard(next http.Handler, o Options) http.Handler {
	adminHost, _, _ := net.SplitHostPort(o.Addr)
	csrf := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'")
		w.Header().Set("X-Frame-Options", "DENY")
		if o.Token == "" && !consoleHost(r.Host, adminHost) {
			http.Error(w, "the console answers only at its own address (a loopback name or admin.addr); set admin.token to reach it by another name", http.StatusMisdirectedRequest)
			return
		}
		if err := csrf.Check(r); err != nil {
			http.Error(w, "the console refuses requests from other sites", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxConsoleForm)
			if err := r.ParseForm(); err != nil {
				var tooLarge *http.MaxBytesError
				if errors.As(err, &tooLarge) {
					http.Error(w, "the form is too large", http.StatusRequestEntityTooLarge)
					return
				}
				http.Error(w, "the form could not be read", http.StatusBadRequest)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// consoleHost reports whether host (a Host header, with or without a port) names this machine's
// loopback or the admin listener's own address.
func consoleHost(host, adminHost string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return true
	}
	return adminHost != "" && host == strings.ToLower(strings.Trim(adminHost, "[]"))
}

// tokenGuesses slows down wrong admin tokens.
type tokenGuesses struct{ limit *rate.Limiter }

func newTokenGuesses() *tokenGuesses {
	return &tokenGuesses{limit: rate.NewLimiter(tokenGuessRate, tokenGuessBurst)}
}

// allow reports whether a wrong token may be answered now; wait is when to try again.
func (g *tokenGuesses) allow() (ok bool, wait time.Duration) {
	r := g.limit.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return false, d
	}
	return true, 0
}

package adaptor

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// Logged causes of refusals that are not the signing package's.
var (
	errBasicAuth = errors.New("adaptor: basic credentials missing or wrong")
	errReplay    = errors.New("adaptor: signature already seen within the freshness window (signing.reject_replays)")
)

// signedRequest is what the signature of the request in c covers, its body as read so far.
func (s *Server) signedRequest(c echo.Context) *signing.Request {
	r := c.Request()
	path := r.URL.EscapedPath()
	if s.opts.SigningPath != "" {
		// Behind a path-rewriting proxy: Gladly signed signing.path, plus what follows
		// server.path (an action's own path).
		path = s.opts.SigningPath + strings.TrimPrefix(path, s.opts.Path)
	}
	return &signing.Request{
		Method:   r.Method,
		Path:     path,
		RawQuery: r.URL.RawQuery,
		Host:     r.Host,
		Header:   r.Header,
		Body:     requestBody(c),
	}
}

// refuse is the uniform 401 for a failed check; the reason (a signing reason, "replay" or
// "basic_auth") goes to the metrics, and the cause to the log.
func (s *Server) refuse(reason string, err error) error {
	s.opts.Metrics.sigFailures.WithLabelValues(reason).Inc()
	return &Error{Kind: KindUnauthorized, Cause: err}
}

// checkedKey is where checkSignedHeaders leaves what it checked: the auth state it checked
// against (a reload may swap it meanwhile) and the parsed headers, for verifySignature.
const checkedKey = "adaptor.checked"

// checked is what checkSignedHeaders found.
type checked struct {
	auth    *authState
	headers signing.Checked
}

// checkSignedHeaders refuses, before the body is read, a request whose signature headers cannot
// verify: malformed, incomplete or stale.
func (s *Server) checkSignedHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := s.auth.Load()
		h, err := a.verifier.Check(s.signedRequest(c), s.opts.Now())
		if err != nil {
			return s.refuse(signing.Reason(err), err)
		}
		c.Set(checkedKey, checked{a, h})
		return next(c)
	}
}

// verifySignature checks Gladly's signature over the raw body, then whether it was seen before.
func (s *Server) verifySignature(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ch := c.Get(checkedKey).(checked)
		now, a := s.opts.Now(), ch.auth
		v, err := a.verifier.VerifyChecked(s.signedRequest(c), ch.headers)
		if err != nil {
			return s.refuse(signing.Reason(err), err)
		}
		s.opts.Metrics.sigVerified.WithLabelValues(string(v.Form), string(v.Headers)).Inc()
		c.Set(signatureKey, v)
		releaseBody(c) // what the body holds is now a signed request's
		seen, evicted := s.replays.Seen(v.Signature, replayUntil(v.Time, a.verifier.MaxSkew), now)
		if evicted {
			s.opts.Metrics.replayEvicted.Inc()
		}
		if seen {
			s.opts.Metrics.replays.Inc()
			if s.opts.RejectReplays {
				return s.refuse("replay", errReplay)
			}
		}
		return next(c)
	}
}

// replayUntil is when a signature made at signed stops counting as a replay: when the request
// would be refused as stale anyway. With freshness checks off (skew 0) it never stops.
func replayUntil(signed time.Time, skew time.Duration) time.Time {
	if skew <= 0 {
		return time.Time{}
	}
	return signed.Add(skew)
}

// basicAuth requires the configured Basic credentials when a username is set, and marks the
// request verified when it passes: the last of the checks. Both sides are hashed so the
// constant-time compare does not leak their lengths either.
func (s *Server) basicAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := s.auth.Load()
		if a.basic.Username != "" {
			user, pass, ok := c.Request().BasicAuth()
			gotUser := sha256.Sum256([]byte(user))
			gotPass := sha256.Sum256([]byte(pass))
			match := subtle.ConstantTimeCompare(gotUser[:], a.wantUser[:]) & subtle.ConstantTimeCompare(gotPass[:], a.wantPass[:])
			if !ok || match != 1 {
				return s.refuse("basic_auth", errBasicAuth)
			}
		}
		c.Set(verifiedKey, true)
		return next(c)
	}
}

// signatureKey is where verifySignature leaves the signing.Verified of the request.
const signatureKey = "adaptor.signature"

// verifiedKey marks a request that passed every check of who sent it (basicAuth sets it).
const verifiedKey = "adaptor.verified"

// verified reports whether the request in c passed every check of who sent it.
func verified(c echo.Context) bool {
	v, _ := c.Get(verifiedKey).(bool)
	return v
}

// Auth is what a request must carry: Gladly's signature, and the HTTP Basic credentials when
// Basic.Username is set.
type Auth struct {
	Verifier *signing.Verifier
	Basic    BasicAuth
}

// authState is an Auth ready to check against.
type authState struct {
	verifier           *signing.Verifier
	basic              BasicAuth
	wantUser, wantPass [sha256.Size]byte
}

func newAuthState(a Auth) *authState {
	return &authState{verifier: a.Verifier, basic: a.Basic,
		wantUser: sha256.Sum256([]byte(a.Basic.Username)), wantPass: sha256.Sum256([]byte(a.Basic.Password))}
}

// errNoKeys refuses an Auth that no request could pass.
var errNoKeys = errors.New("adaptor: no signing key: Auth.Verifier must hold at least one key")

// SetAuth replaces the signing keys and Basic credentials requests are checked against, for a
// configuration reload: requests under way finish with the old ones, every later one is checked
// against the new. An Auth without a key is refused, and the current one stays.
func (s *Server) SetAuth(a Auth) error {
	if a.Verifier == nil || len(a.Verifier.Keys) == 0 {
		return errNoKeys
	}
	s.auth.Store(newAuthState(a))
	return nil
}

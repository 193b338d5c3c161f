package adaptor

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// errBasicAuth is the logged cause of a failed Basic check.
var errBasicAuth = errors.New("adaptor: basic credentials missing or wrong")

// verifySignature checks Gladly's signature over the raw body; any failure is a uniform 401 and
// the reason goes to the log through the error's cause.
func (s *Server) verifySignature(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		path := s.opts.SigningPath
		if path == "" {
			path = r.URL.EscapedPath()
		}
		form, err := s.opts.Verifier.Verify(&signing.Request{
			Method:   r.Method,
			Path:     path,
			RawQuery: r.URL.RawQuery,
			Host:     r.Host,
			Header:   r.Header,
			Body:     requestBody(c),
		}, s.opts.Now())
		if err != nil {
			s.opts.Metrics.sigFailures.WithLabelValues(signing.Reason(err)).Inc()
			return &Error{Kind: KindUnauthorized, Cause: err}
		}
		s.opts.Metrics.sigVerified.WithLabelValues(string(form)).Inc()
		return next(c)
	}
}

// basicAuth requires the configured Basic credentials when a username is set. Both sides are
// hashed first so the constant-time compare does not leak their lengths either.
func (s *Server) basicAuth(next echo.HandlerFunc) echo.HandlerFunc {
	if s.opts.Basic.Username == "" {
		return next
	}
	wantUser := sha256.Sum256([]byte(s.opts.Basic.Username))
	wantPass := sha256.Sum256([]byte(s.opts.Basic.Password))
	return func(c echo.Context) error {
		user, pass, ok := c.Request().BasicAuth()
		gotUser := sha256.Sum256([]byte(user))
		gotPass := sha256.Sum256([]byte(pass))
		match := subtle.ConstantTimeCompare(gotUser[:], wantUser[:]) & subtle.ConstantTimeCompare(gotPass[:], wantPass[:])
		if !ok || match != 1 {
			s.opts.Metrics.sigFailures.WithLabelValues("basic_auth").Inc()
			return &Error{Kind: KindUnauthorized, Cause: errBasicAuth}
		}
		return next(c)
	}
}

package adaptor

import (
	"bytes"
	"context"
	"net/http"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// Try runs a lookup of body through the whole server — signature, Basic auth, decoding, the
// store, the answer — as Gladly would send it: signed once, with the first signing key, at the
// server's clock, carrying correlationID. It returns the status and the answer. The console's
// try-it form is its user; the request is observed and logged like any other.
func (s *Server) Try(ctx context.Context, body []byte, correlationID string) (int, []byte, error) {
	a := s.auth.Load()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	h.Set("Gladly-Correlation-Id", correlationID)
	h.Set(signing.HeaderTime, signing.FormatTime(s.opts.Now()))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.opts.Path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header = h
	if a.basic.Username != "" {
		req.SetBasicAuth(a.basic.Username, a.basic.Password) // signed too, as Gladly signs it
	}
	path := s.opts.Path
	if s.opts.SigningPath != "" {
		path = s.opts.SigningPath
	}
	auth, err := signing.Sign(a.verifier.Keys[0], &signing.Request{Method: http.MethodPost, Path: path, Header: h, Body: body})
	if err != nil {
		return 0, nil, err
	}
	h.Set(signing.HeaderAuthorization, auth)
	req.RemoteAddr = "console"
	w := &answerWriter{header: http.Header{}}
	s.ServeHTTP(w, req)
	return w.status, w.body.Bytes(), nil
}

// answerWriter keeps an answer in memory: the http.ResponseWriter of Try.
type answerWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *answerWriter) Header() http.Header { return w.header }

func (w *answerWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *answerWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// Flush lets the request log see the answer as delivered: it is, to Try.
func (w *answerWriter) Flush() {}

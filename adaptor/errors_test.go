package adaptor_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
)

func TestTransportFailures(t *testing.T) {
	h := start(t, adaptor.Options{MaxBodyBytes: 64})
	big := []byte(`{"lookupLevel":"BASIC","query":{"name":"` + strings.Repeat("a", 64) + `"}}`)
	cases := []struct {
		name string
		req  request
		want int
		code string
	}{
		{"GET on the lookup path", request{method: http.MethodGet}, http.StatusMethodNotAllowed, "method_not_allowed"},
		{"PUT on the lookup path", request{method: http.MethodPut, body: []byte(`{}`)}, http.StatusMethodNotAllowed, "method_not_allowed"},
		{"unknown path", request{path: "/other", body: []byte(`{}`)}, http.StatusNotFound, "not_found"},
		{"body over the limit", request{body: big}, http.StatusRequestEntityTooLarge, "too_large"},
		{"body over the limit, chunked", request{body: big, edit: func(r *http.Request) { r.ContentLength = -1 }}, http.StatusRequestEntityTooLarge, "too_large"},
		{"text/plain", request{body: []byte(`{}`), edit: func(r *http.Request) {
			r.Header.Set("Content-Type", "text/plain")
			resign(t, r, []byte(`{}`))
		}}, http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"no content type", request{body: []byte(`{}`), edit: func(r *http.Request) {
			r.Header.Del("Content-Type")
			resign(t, r, []byte(`{}`))
		}}, http.StatusUnsupportedMediaType, "unsupported_media_type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := h.send(t, tc.req)
			if resp.StatusCode != tc.want || !strings.Contains(string(body), `"code":"`+tc.code+`"`) {
				t.Errorf("got %d %s, want %d with code %s", resp.StatusCode, body, tc.want, tc.code)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	resp, _ := h.send(t, request{body: []byte(`{}`), edit: func(r *http.Request) {
		r.Header.Set("Content-Type", "application/json; charset=utf-8")
		resign(t, r, []byte(`{}`))
	}})
	if resp.StatusCode == http.StatusUnsupportedMediaType {
		t.Error("application/json with a charset must be accepted")
	}
}

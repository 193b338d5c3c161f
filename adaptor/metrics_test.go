package adaptor_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := start(t, adaptor.Options{Metrics: adaptor.NewMetrics(reg)})
	autolink := []byte(`{"lookupLevel":"BASIC","query":{"emails":["ada@example.com"]},"uniqueMatchRequired":false}`)
	detailed := []byte(`{"lookupLevel":"DETAILED","query":{"externalCustomerId":"C-404"},"uniqueMatchRequired":true}`)
	h.send(t, request{body: autolink})
	h.send(t, request{body: autolink})
	h.send(t, request{body: detailed})
	h.send(t, request{body: autolink, at: testNow.Add(-time.Hour)})
	h.send(t, request{body: autolink, key: "wrong"})
	h.send(t, request{body: autolink, query: "b=2&a=1"})

	admin := httptest.NewServer(adaptor.Admin(nil, promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	defer admin.Close()
	resp, err := http.Get(admin.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`lookup_adaptor_requests_total{code="200",kind="auto_link"} 3`,
		`lookup_adaptor_requests_total{code="200",kind="detailed"} 1`,
		`lookup_adaptor_requests_total{code="401",kind="none"} 2`,
		`lookup_adaptor_auth_failures_total{reason="stale"} 1`,
		`lookup_adaptor_auth_failures_total{reason="mismatch"} 1`,
		`lookup_adaptor_signature_verified_total{form="canonical",headers="trimmed"} 4`,
		`lookup_adaptor_store_query_duration_seconds_count{op="link",outcome="ok"} 3`,
		`lookup_adaptor_store_query_duration_seconds_count{op="customer",outcome="not_found"} 1`,
		`lookup_adaptor_request_duration_seconds_count{kind="auto_link"} 3`,
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestReadiness(t *testing.T) {
	var down error
	admin := httptest.NewServer(adaptor.Admin(func(context.Context) error { return down }, nil))
	defer admin.Close()
	get := func(path string) int {
		resp, err := http.Get(admin.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if get("/readyz") != http.StatusOK || get("/healthz") != http.StatusOK {
		t.Error("a reachable store must be ready")
	}
	down = errors.New("store unreachable")
	if got := get("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the store down = %d, want 503", got)
	}
	if got := get("/healthz"); got != http.StatusOK {
		t.Errorf("/healthz must not depend on the store: %d", got)
	}
}

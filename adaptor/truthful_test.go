package adaptor_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
)

// metricValue is the value of the series name{labels} in reg, 0 when it does not exist.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue series
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
		}
	}
	return 0
}

// An answer written after the write deadline never reaches the client, so it is counted and
// logged as undelivered — not as the 200 the handler meant to send.
func TestAnswerAfterWriteDeadlineIsUndelivered(t *testing.T) {
	reg := prometheus.NewRegistry()
	// The write deadline is request_timeout plus two seconds; this store takes longer and
	// does not look at its context.
	h := start(t, adaptor.Options{RequestTimeout: 100 * time.Millisecond, Metrics: adaptor.NewMetrics(reg),
		Store: brokenStore{mode: "late"}})
	req, err := http.NewRequest(http.MethodPost, h.url+"/lookup", nil)
	if err != nil {
		t.Fatal(err)
	}
	signed := signedRaw(t, adaBody, nil)
	for _, hd := range signed.headers {
		req.Header.Add(hd[0], hd[1])
	}
	req.Body = nopBody(adaBody)
	req.ContentLength = int64(len(adaBody))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the client got an answer (%d) after the write deadline", resp.StatusCode)
	}
	waitFor(t, func() bool {
		return metricValue(t, reg, "lookup_adaptor_answers_undelivered_total", map[string]string{"kind": "auto_link"}) == 1
	})
	if n := metricValue(t, reg, "lookup_adaptor_requests_total", map[string]string{"kind": "auto_link"}); n != 0 {
		t.Errorf("an undelivered answer counted in requests_total (%v)", n)
	}
	if n := h.logs.FilterMessage("request").Len(); n != 0 {
		t.Errorf("an undelivered answer logged as a request line")
	}
	lines := h.logs.FilterMessage("answer not delivered").All()
	if len(lines) != 1 {
		t.Fatalf("want one 'answer not delivered' line, got %d", len(lines))
	}
	fields := lines[0].ContextMap()
	if _, ok := fields["status"]; ok || fields["intended_status"] != int64(http.StatusOK) {
		t.Errorf("the undelivered line says status %v, intended_status %v; want no status and intended_status 200", fields["status"], fields["intended_status"])
	}
}

// A client that goes away before its answer is not counted as answered either.
func TestClientGoneIsUndelivered(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := start(t, adaptor.Options{RequestTimeout: 5 * time.Second, Metrics: adaptor.NewMetrics(reg),
		Store: brokenStore{mode: "stall"}})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	signed := signedRaw(t, adaBody, nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url+"/lookup", strings.NewReader(adaBody))
	if err != nil {
		t.Fatal(err)
	}
	for _, hd := range signed.headers {
		req.Header.Add(hd[0], hd[1])
	}
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the client got an answer it gave up on")
	}
	waitFor(t, func() bool {
		return metricValue(t, reg, "lookup_adaptor_answers_undelivered_total", map[string]string{"kind": "auto_link"}) == 1
	})
	if n := metricValue(t, reg, "lookup_adaptor_requests_total", map[string]string{"kind": "auto_link"}); n != 0 {
		t.Errorf("a request whose client left counted in requests_total (%v)", n)
	}
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 5s")
}

// A flood of failing requests writes a bounded number of log lines; what it leaves out is
// counted in a metric and in the next line written.
func TestFailureLogIsRateLimited(t *testing.T) {
	reg := prometheus.NewRegistry()
	var clock atomic.Int64 // the server's clock, as an offset from testNow: the limit reads it
	now := func() time.Time { return testNow.Add(time.Duration(clock.Load())) }
	h := start(t, adaptor.Options{Metrics: adaptor.NewMetrics(reg), Now: now})
	const flood = 400
	for range flood {
		h.send(t, request{body: []byte(adaBody), key: "wrong"})
	}
	lines := h.logs.FilterMessage("request").Len()
	dropped := metricValue(t, reg, "lookup_adaptor_log_lines_dropped_total", nil)
	if lines >= flood || lines < 100 {
		t.Errorf("%d lines for %d failed requests; want the burst of 100 and a few more", lines, flood)
	}
	if int(dropped)+lines != flood {
		t.Errorf("%d lines written and %v counted as dropped, for %d requests", lines, dropped, flood)
	}
	// Successful lookups are never dropped.
	for range 10 {
		h.post(t, adaBody)
	}
	if got := h.logs.FilterMessage("request").Len(); got != lines+10 {
		t.Errorf("successful lookups logged %d lines, want 10", got-lines)
	}
	// Once the limit lets lines through again, the next one says how many it left out: over
	// all lines, they account for every drop.
	clock.Add(int64(time.Second))
	h.send(t, request{body: []byte(adaBody), key: "wrong", at: now()})
	var told int64
	for _, e := range h.logs.FilterMessage("request").All() {
		n, _ := e.ContextMap()["lines_dropped_before"].(int64)
		told += n
	}
	if told != int64(dropped) {
		t.Errorf("lines report %d dropped before them, the metric %v", told, dropped)
	}
}

// Failures of verified requests — Gladly's — have a log budget of their own: a flood of
// unsigned junk does not hide them.
func TestVerifiedFailuresAreNotDrowned(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := start(t, adaptor.Options{Metrics: adaptor.NewMetrics(reg)})
	for range 300 {
		h.send(t, request{body: []byte(adaBody), key: "wrong"})
	}
	if metricValue(t, reg, "lookup_adaptor_log_lines_dropped_total", map[string]string{"verified": "false"}) == 0 {
		t.Fatal("the flood did not spend the unverified log budget")
	}
	badLevel := []byte(`{"lookupLevel":"SOMETIMES","query":{},"uniqueMatchRequired":false}`)
	for i := range 20 {
		resp, _ := h.send(t, request{body: badLevel, edit: func(r *http.Request) {
			r.Header.Set("Gladly-Correlation-Id", fmt.Sprintf("gladly-%02d", i))
			resign(t, r, badLevel)
		}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a signed bad lookup: %d", resp.StatusCode)
		}
	}
	logged := 0
	for _, e := range h.logs.FilterMessage("request").All() {
		if id, _ := e.ContextMap()["correlation_id"].(string); strings.HasPrefix(id, "gladly-") {
			logged++
		}
	}
	if logged != 20 {
		t.Errorf("%d of 20 failed signed requests logged after the flood", logged)
	}
}

// A signature seen again within the window is counted; with RejectReplays it is refused.
func TestReplays(t *testing.T) {
	for _, reject := range []bool{false, true} {
		reg := prometheus.NewRegistry()
		h := start(t, adaptor.Options{RejectReplays: reject, Metrics: adaptor.NewMetrics(reg)})
		again := signedRaw(t, adaBody, nil)
		if status, body := h.sendRaw(t, again); status != http.StatusOK {
			t.Fatalf("first sight: %d %s", status, body)
		}
		status, body := h.sendRaw(t, again)
		want := http.StatusOK
		if reject {
			want = http.StatusUnauthorized
			if body != unauthorized {
				t.Errorf("refused replay body %s", body)
			}
		}
		if status != want {
			t.Errorf("reject_replays %v: replay got %d, want %d", reject, status, want)
		}
		if n := metricValue(t, reg, "lookup_adaptor_signature_replays_total", nil); n != 1 {
			t.Errorf("reject_replays %v: replays counted %v, want 1", reject, n)
		}
		// A fresh signature of the same body is no replay.
		if status, _ := h.sendRaw(t, signedRaw(t, adaBody, nil)); status != http.StatusOK {
			t.Errorf("reject_replays %v: a new signature got %d", reject, status)
		}
	}
}

// Error answers repeat a client-chosen field name only in part.
func TestErrorAttrIsTruncated(t *testing.T) {
	h := start(t, adaptor.Options{})
	long := strings.Repeat("k", 5000)
	status, body := h.post(t, `{"lookupLevel":"BASIC","query":{"`+long+`":{"x":1}}}`)
	if status != http.StatusBadRequest || !strings.Contains(body, `"attr":"query.kkkk`) {
		t.Fatalf("got %d %s", status, body)
	}
	if len(body) > 300 {
		t.Errorf("error answer of %d bytes for a long field name", len(body))
	}
}

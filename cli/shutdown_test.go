package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// TestShutdownUnderLoadDropsNothing keeps 16 keep-alive clients busy, shuts the server down as
// SIGTERM does, and checks that no request the server accepted is lost. While draining, every
// answer closes its connection and the clients reconnect and are served; once the listener
// closes, a client's new connection is refused, or reset by the kernel if it was still in the
// accept queue — never accepted and then dropped. A request on a reused connection must
// always be answered.
func TestShutdownUnderLoadDropsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, done := startServe(t, ctx)
	url := "http://" + cfg.Server.Addr + cfg.Server.Path
	body := []byte(`{"lookupLevel":"BASIC","query":{"emails":["grace@example.com"]},"uniqueMatchRequired":false}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 20 * time.Second}

	var cancelledAt atomic.Int64 // unix nanos; 0 while running
	var answered, answeredDraining, refused atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var reused bool
				trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}
				sr, err := signing.NewRequest([]byte("serve-test-key"), "POST", cfg.Server.Path, "", body, time.Now())
				if err != nil {
					t.Error(err)
					return
				}
				req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "POST", url, bytes.NewReader(body))
				req.Header = sr.Header
				resp, err := client.Do(req)
				since := time.Duration(0)
				if at := cancelledAt.Load(); at != 0 {
					since = time.Since(time.Unix(0, at))
				}
				if err != nil {
					var op *net.OpError
					dialFailed := errors.As(err, &op) && op.Op == "dial"
					if since >= drainGrace && (dialFailed || !reused) {
						refused.Add(1) // the listener is closed: shutdown is done for this client
						return
					}
					t.Errorf("request lost %v after SIGTERM (reused connection: %v): %v", since, reused, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("status %d %v after SIGTERM", resp.StatusCode, since)
					return
				}
				answered.Add(1)
				if since > 0 {
					answeredDraining.Add(1)
				}
			}
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); answered.Load() < 200; runtime.Gosched() { // the load is on
		if time.Now().After(deadline) {
			t.Fatalf("only %d lookups answered in 10s before the shutdown", answered.Load())
		}
	}
	cancelledAt.Store(time.Now().UnixNano())
	cancel()
	wg.Wait()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	t.Logf("answered %d (%d while draining), stopped by the closed listener %d", answered.Load(), answeredDraining.Load(), refused.Load())
	if answeredDraining.Load() == 0 || refused.Load() != 16 {
		t.Errorf("want answers while draining and all 16 clients stopped by the closed listener")
	}
}

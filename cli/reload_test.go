package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// writeCert writes a self-signed certificate for 127.0.0.1 with the given serial number to
// cert.pem and key.pem in dir, and returns it.
func writeCert(t *testing.T, dir string, serial int64) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "lookup-adaptor test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("cert.pem", "CERTIFICATE", der)
	write("key.pem", "EC PRIVATE KEY", keyDER)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// reloadable is serve started from a config file of the test's, with HTTPS, and a SIGHUP
// channel of the test's.
type reloadable struct {
	cfg    *Config
	path   string
	certs  string
	hup    chan os.Signal
	logs   *observer.ObservedLogs
	client *http.Client
	first  *x509.Certificate // the certificate serve started with
}

func startReloadable(t *testing.T, configText string) *reloadable {
	t.Helper()
	r := &reloadable{path: writeFile(t, "adaptor.yaml", configText), certs: t.TempDir(), hup: make(chan os.Signal, 1)}
	first := writeCert(t, r.certs, 1)
	t.Setenv("ADAPTOR_SERVER_ADDR", freeAddr(t))
	t.Setenv("ADAPTOR_ADMIN_ADDR", freeAddr(t))
	t.Setenv("ADAPTOR_SERVER_TLS_CERT_FILE", filepath.Join(r.certs, "cert.pem"))
	t.Setenv("ADAPTOR_SERVER_TLS_KEY_FILE", filepath.Join(r.certs, "key.pem"))
	useTempStore(t)
	if err := run(t, "seed", "--config", r.path, "../testdata/seed/"); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(r.path, true)
	if err != nil {
		t.Fatal(err)
	}
	r.cfg = cfg
	core, logs := observer.New(zapcore.InfoLevel)
	r.logs = logs
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- builtins.serve(ctx, cfg, zap.New(core), r.hup, func() (*Config, error) { return LoadConfig(r.path, true) })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	waitFor(t, "http://"+cfg.Admin.Addr+"/readyz")
	r.first = first
	r.client = r.newClient(first)
	return r
}

// newClient trusts only cert, and speaks HTTP/2 when the server offers it.
func (r *reloadable) newClient(cert *x509.Certificate) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true,
	}}
}

// lookup sends a signed lookup with key and reports the status, the protocol and whether the
// request went on a connection opened before.
func (r *reloadable) lookup(t *testing.T, client *http.Client, key string) (status int, proto string, reused bool) {
	t.Helper()
	body := []byte(`{"lookupLevel":"BASIC","query":{"emails":["ada@example.com"]},"uniqueMatchRequired":false}`)
	sr, err := signing.NewRequest([]byte(key), "POST", "/lookup", "", body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
		"POST", "https://"+r.cfg.Server.Addr+"/lookup", bytes.NewReader(body))
	req.Header = sr.Header
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("lookup: %v", err)
	}
	resp.Body.Close()
	if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("answer not over TLS 1.2 or later: %+v", resp.TLS)
	}
	return resp.StatusCode, resp.Proto, reused
}

// reload writes configText to the config file and sends SIGHUP, then waits for the log to say
// the reload was applied (want) or refused.
func (r *reloadable) reload(t *testing.T, configText string, want string) {
	t.Helper()
	if configText != "" {
		if err := os.WriteFile(r.path, []byte(configText), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	before := r.logs.FilterMessage(want).Len()
	r.hup <- syscall.SIGHUP
	for deadline := time.Now().Add(5 * time.Second); r.logs.FilterMessage(want).Len() == before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			for _, e := range r.logs.All() {
				t.Log(e.Message, e.ContextMap())
			}
			t.Fatalf("no %q in the log after SIGHUP", want)
		}
	}
}

const (
	applied = "configuration reloaded"
	refused = "reload refused; the current configuration stays"
)

// HTTPS served directly: TLS 1.2 at least, HTTP/2, and nothing older than TLS 1.2 accepted.
func TestServeHTTPS(t *testing.T) {
	t.Setenv("ADAPTOR_SIGNING_KEYS", "")
	r := startReloadable(t, "signing:\n  keys: [tls-key]\n")
	status, proto, _ := r.lookup(t, r.client, "tls-key")
	if status != http.StatusOK || proto != "HTTP/2.0" {
		t.Fatalf("HTTPS lookup: %d over %s, want 200 over HTTP/2.0", status, proto)
	}
	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11, //nolint:gosec // testing the refusal
	}}}
	if _, err := old.Get("https://" + r.cfg.Server.Addr + "/lookup"); err == nil {
		t.Error("a TLS 1.1 client was served")
	}
}

// SIGHUP re-reads the signing keys and the certificate without dropping a connection; a bad
// reload keeps what was there and says why.
func TestReloadOnSIGHUP(t *testing.T) {
	t.Setenv("ADAPTOR_SIGNING_KEYS", "")
	r := startReloadable(t, "signing:\n  keys: [old-key]\n")
	if status, _, _ := r.lookup(t, r.client, "old-key"); status != http.StatusOK {
		t.Fatalf("before the rotation: %d", status)
	}
	// Step 1 of a rotation: both keys.
	r.reload(t, "signing:\n  keys: [new-key, old-key]\n", applied)
	for _, key := range []string{"new-key", "old-key"} {
		status, _, reused := r.lookup(t, r.client, key)
		if status != http.StatusOK || !reused {
			t.Errorf("%s during the rotation: %d, on the same connection %v", key, status, reused)
		}
	}
	// Step 3: the old key leaves.
	r.reload(t, "signing:\n  keys: [new-key]\n", applied)
	// On a connection of its own: a refused request ends its connection.
	if status, _, _ := r.lookup(t, r.newClient(r.first), "old-key"); status != http.StatusUnauthorized {
		t.Errorf("old key after the rotation: %d, want 401", status)
	}
	// A bad file, and a file without keys, change nothing.
	r.reload(t, "signing:\n  keys: [other]\nsever:\n  addr: x\n", refused)
	r.reload(t, "signing:\n  keys: []\n", refused)
	if status, _, reused := r.lookup(t, r.client, "new-key"); status != http.StatusOK || !reused {
		t.Errorf("after refused reloads: %d, same connection %v", status, reused)
	}
	// A new certificate: new connections get it; a certificate that does not read changes nothing.
	second := writeCert(t, r.certs, 2)
	r.reload(t, "signing:\n  keys: [new-key]\n", applied)
	fresh := r.newClient(second)
	if status, _, _ := r.lookup(t, fresh, "new-key"); status != http.StatusOK {
		t.Errorf("a new connection after the certificate changed: %d", status)
	}
	if status, _, reused := r.lookup(t, r.client, "new-key"); status != http.StatusOK || !reused {
		t.Errorf("the old connection after the certificate changed: %d, reused %v", status, reused)
	}
	if err := os.WriteFile(filepath.Join(r.certs, "cert.pem"), []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	r.reload(t, "", refused)
	if status, _, _ := r.lookup(t, r.newClient(second), "new-key"); status != http.StatusOK {
		t.Errorf("after a certificate that does not read: %d", status)
	}
}

// A reload names the sections whose changes wait for a restart, and only those.
func TestRestartKeys(t *testing.T) {
	cur, err := LoadConfig(repoConfig, true)
	if err != nil {
		t.Fatal(err)
	}
	next := *cur
	next.Signing.Keys = []string{"rotated"}
	next.Auth.Basic.Password = "new"
	if got := restartKeys(cur, &next); len(got) != 0 {
		t.Errorf("only reloadable changes: %v", got)
	}
	next.Store.MaxResults, next.Console.Recent = 3, 9
	if got := fmt.Sprint(restartKeys(cur, &next)); got != "[store console]" {
		t.Errorf("store and console changed: %v", got)
	}
}

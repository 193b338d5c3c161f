package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

// binary is acme-adaptor, built once with cgo off: a program of one's own on cli needs none.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "acme-adaptor-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "acme-adaptor")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "CGO_ENABLED=0 go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// program runs acme-adaptor with args and the environment's ADAPTOR_* replaced by env.
func program(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(withoutAdaptorVars(), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("acme-adaptor %s\n%s", strings.Join(args, " "), out)
	return string(out), err
}

func withoutAdaptorVars() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ADAPTOR_") {
			out = append(out, kv)
		}
	}
	return out
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// server is acme-adaptor serve, running until the test ends.
type server struct {
	cmd         *exec.Cmd
	addr, admin string
	log         bytes.Buffer
}

func startServe(t *testing.T, config string, env ...string) *server {
	t.Helper()
	s := &server{addr: freeAddr(t), admin: freeAddr(t)}
	s.cmd = exec.Command(binary, "serve", "--config", config)
	s.cmd.Env = append(append(withoutAdaptorVars(), env...), "ADAPTOR_SERVER_ADDR="+s.addr, "ADAPTOR_ADMIN_ADDR="+s.admin)
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		_ = s.cmd.Wait()
		t.Logf("serve's log:\n%s", s.log.String())
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + s.admin + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
	}
	t.Fatalf("serve never became ready:\n%s", s.log.String())
	return nil
}

// lookup sends a signed DETAILED lookup for account to url and returns the status and body.
func lookup(t *testing.T, client *http.Client, url, key, account string) (int, string) {
	t.Helper()
	body := []byte(`{"lookupLevel":"DETAILED","query":{"externalCustomerId":"` + account + `"},"uniqueMatchRequired":true}`)
	sr, err := signing.NewRequest([]byte(key), http.MethodPost, "/lookup", "", body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = sr.Header
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The whole program around a store of one's own: its config file and ADAPTOR_* overrides,
// signed lookups from its store, `check` passing, the capabilities it lacks refused by name,
// strict keys and the list of known drivers.
func TestServesItsOwnStore(t *testing.T) {
	out, err := program(t, nil, "--version")
	if err != nil || !strings.HasPrefix(out, "lookup-adaptor ") {
		t.Errorf("--version: %q %v", out, err)
	}
	env := []string{"ADAPTOR_SIGNING_KEYS=acme-key"}
	s := startServe(t, "config.yaml", env...)
	status, body := lookup(t, http.DefaultClient, "http://"+s.addr+"/lookup", "acme-key", "4711")
	if status != http.StatusOK || !strings.Contains(body, `"name":"Ada Lovelace"`) ||
		!strings.Contains(body, `"customerOrderUrl":"https://shop.acme.example/orders/A-1001"`) {
		t.Errorf("detailed lookup: %d %s", status, body)
	}
	if status, _ := lookup(t, http.DefaultClient, "http://"+s.addr+"/lookup", "wrong-key", "4711"); status != http.StatusUnauthorized {
		t.Errorf("a wrong key: %d, want 401", status)
	}
	if out, err := program(t, env, "check", "--config", "config.yaml", "--url", "http://"+s.addr+"/lookup"); err != nil || !strings.Contains(out, " 0 failed") {
		t.Errorf("check against it: %v", err)
	}

	for cmd, capability := range map[string]string{"seed": "store.Loader", "delete": "store.Loader", "export": "store.Exporter", "migrate": "store.Migrator"} {
		args := []string{cmd, "--config", "config.yaml"}
		if cmd == "seed" || cmd == "delete" {
			args = append(args, "4711")
		}
		out, err := program(t, env, args...)
		if err == nil || !strings.Contains(out, `store.driver "acme" cannot do this: its store does not implement `+capability) {
			t.Errorf("%s: %v, want a refusal naming %s", cmd, err, capability)
		}
	}
	if out, err := program(t, append(env, "ADAPTOR_STORE_DRIVER=sqlite"), "export", "--config", "config.yaml"); err == nil ||
		!strings.Contains(out, `store.driver "sqlite" is unknown; want one of acme`) {
		t.Errorf("an unknown driver: %v", err)
	}
	if out, err := program(t, append(env, "ADAPTOR_STORE_DRVER=acme"), "serve", "--config", "config.yaml"); err == nil ||
		!strings.Contains(out, "unknown variable ADAPTOR_STORE_DRVER (did you mean ADAPTOR_STORE_DRIVER?)") {
		t.Errorf("a misspelt variable: %v", err)
	}
}

// HTTPS with a certificate, and a SIGHUP that rotates the signing key, work as in the stock
// binary.
func TestServesTLSAndReloads(t *testing.T) {
	dir := t.TempDir()
	pool := writeCert(t, dir)
	config := filepath.Join(dir, "config.yaml")
	write := func(key string) {
		text := fmt.Sprintf("server:\n  tls:\n    cert_file: %s\n    key_file: %s\nsigning:\n  keys: [%s]\nstore:\n  driver: acme\n  dsn: %s\n",
			filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), key, mustAbs(t, "acme/testdata/export.json"))
		if err := os.WriteFile(config, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("first-key")
	s := startServe(t, config)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	url := "https://" + s.addr + "/lookup"
	if status, body := lookup(t, client, url, "first-key", "4712"); status != http.StatusOK || !strings.Contains(body, "Charles Babbage") {
		t.Fatalf("over HTTPS: %d %s", status, body)
	}
	write("second-key")
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		status, _ := lookup(t, client, url, "second-key", "4712")
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new key was never accepted after SIGHUP:\n%s", s.log.String())
		}
	}
	if status, _ := lookup(t, client, url, "first-key", "4712"); status != http.StatusUnauthorized {
		t.Errorf("the old key after the reload: %d, want 401", status)
	}
}

func mustAbs(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// writeCert writes a self-signed certificate for 127.0.0.1 to cert.pem and key.pem in dir and
// returns a pool that trusts it.
func writeCert(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, block := range map[string]*pem.Block{"cert.pem": {Type: "CERTIFICATE", Bytes: der}, "key.pem": {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

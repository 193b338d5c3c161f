package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// server is acme-adaptor serve, running until the test ends.
type server struct {
	cmd         *exec.Cmd
	addr, admin string
	log         bytes.Buffer
}

// startServe runs serve on ports the system picks, and learns them from its console log.
func startServe(t *testing.T, config string, env ...string) *server {
	t.Helper()
	s := &server{}
	s.cmd = exec.Command(binary, "serve", "--config", config)
	s.cmd.Env = append(append(withoutAdaptorVars(), env...), "ADAPTOR_SERVER_ADDR=127.0.0.1:0", "ADAPTOR_ADMIN_ADDR=127.0.0.1:0", "ADAPTOR_LOG_FORMAT=console")
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	copied := make(chan struct{})
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		<-copied // the log is whole: serve exited and closed its end
		_ = s.cmd.Wait()
		t.Logf("serve's log:\n%s", s.log.String())
	})
	listening := regexp.MustCompile(`"listener": "(lookup|admin)", "addr": "([^"]+)"`)
	lines := bufio.NewScanner(io.TeeReader(stderr, &s.log))
	for (s.addr == "" || s.admin == "") && lines.Scan() {
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			if m[1] == "lookup" {
				s.addr = m[2]
			} else {
				s.admin = m[2]
			}
		}
	}
	go func() { _, _ = io.Copy(&s.log, stderr); close(copied) }()
	if s.addr == "" || s.admin == "" {
		t.Fatalf("serve never said where it listens")
	}
	return s
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

// writeCert writes net/http/httptest's certificate for 127.0.0.1 and its key to cert.pem and
// key.pem in dir, and returns a pool that trusts it.
func writeCert(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	defer ts.Close()
	cert := ts.TLS.Certificates[0]
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, block := range map[string]*pem.Block{"cert.pem": {Type: "CERTIFICATE", Bytes: cert.Certificate[0]}, "key.pem": {Type: "PRIVATE KEY", Bytes: key}} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	return pool
}

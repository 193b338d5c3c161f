package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/internal/component"
)

// HTTPS with a development certificate, as docs/operations.md says: make cert makes one, serve
// uses it, and check trusts it with --cacert (and not without).
func TestSelfSignedHTTPS(t *testing.T) {
	component.Program(t, "openssl", "the self-signed HTTPS test")
	makeBin := component.Program(t, "make", "the self-signed HTTPS test")
	dir := t.TempDir()
	if out, err := exec.Command(makeBin, "-s", "-C", "..", "cert", "CERT_DIR="+dir).CombinedOutput(); err != nil {
		t.Fatalf("make cert: %v\n%s", err, out)
	}
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	s := startServer(t, "ADAPTOR_SERVER_TLS_CERT_FILE="+cert, "ADAPTOR_SERVER_TLS_KEY_FILE="+key)
	check := func(args ...string) (string, error) {
		args = append([]string{"check", "--config", "../config.yaml", "--url", "https://" + s.lookup + "/lookup", "--key", testKey}, args...)
		out, err := exec.Command(s.bin, args...).CombinedOutput()
		return string(out), err
	}
	out, err := check("--cacert", cert, "--customer", "C-1001")
	if err != nil || !strings.Contains(out, "PASS TLS certificate valid") || !strings.Contains(out, " 0 warned, 0 failed") {
		t.Errorf("check --cacert: %v\n%s", err, out)
	}
	out, err = check()
	if err == nil || !strings.Contains(out, "certificate signed by unknown authority") {
		t.Errorf("check without --cacert: %v\n%s", err, out)
	}
}

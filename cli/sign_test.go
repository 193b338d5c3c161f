package cli

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/signing"
)

func TestSignPrintsVerifiableHeaders(t *testing.T) {
	body := `{"lookupLevel":"BASIC","query":{"email":"ada@example.com"}}`
	out, err := runOutput(t, body, "sign", "--config", repoConfig, "--key", "k1", "--time", "20261121T093000Z", "--path", "/gladly", "-")
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("line %q is not 'Header: value'", line)
		}
		h.Set(name, value)
	}
	if got := h.Get("Gladly-Time"); got != "20261121T093000Z" {
		t.Errorf("Gladly-Time %q", got)
	}
	v := &signing.Verifier{Keys: [][]byte{[]byte("k1")}}
	at := time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)
	if _, err := v.Verify(&signing.Request{Method: "POST", Path: "/gladly", Header: h, Body: []byte(body)}, at); err != nil {
		t.Errorf("printed headers do not verify: %v", err)
	}
}

func TestSignKeyFromEnvironment(t *testing.T) {
	t.Setenv("ADAPTOR_SIGNING_KEYS", "env-key")
	out, err := runOutput(t, "{}", "sign", "--config", repoConfig, "-")
	if err != nil || !strings.Contains(out, "Gladly-Authorization: SigningAlgorithm=hmac-sha256") {
		t.Fatalf("sign with the configured key: %v\n%s", err, out)
	}
	t.Setenv("ADAPTOR_SIGNING_KEYS", "")
	if _, err := runOutput(t, "{}", "sign", "--config", repoConfig, "-"); err == nil {
		t.Error("sign without any key must fail")
	}
}

package webhookverify

import (
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/actions"
)

// The example verifies what the adaptor signs, and nothing else.
func TestVerify(t *testing.T) {
	secret, body, now := []byte("shared-secret"), []byte(`{"action":"cancel-order"}`), time.Unix(1700000000, 0)
	header := actions.Sign(secret, body, now)
	if err := Verify(secret, header, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("a signed body: %v", err)
	}
	for name, err := range map[string]error{
		"other body":   Verify(secret, header, []byte(`{"action":"refund"}`), now, 5*time.Minute),
		"other secret": Verify([]byte("guess"), header, body, now, 5*time.Minute),
		"too old":      Verify(secret, header, body, now.Add(time.Hour), 5*time.Minute),
		"malformed":    Verify(secret, "v1=abc", body, now, 5*time.Minute),
	} {
		if err == nil {
			t.Errorf("%s verified", name)
		}
	}
}

// Package webhookverify is the Go half of the webhook receiver example in docs/actions.md:
// copy Verify into the service that receives lookup-adaptor's action webhooks. It depends on
// the standard library only.
package webhookverify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Verify checks an Adaptor-Signature header ("t=<unix seconds>,v1=<hex>") over the raw request
// body: the HMAC-SHA256 of "<t>.<body>" keyed with the shared secret, made no longer than
// tolerance ago (or ahead).
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("malformed Adaptor-Signature")
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return errors.New("Adaptor-Signature too old or too new")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return errors.New("Adaptor-Signature does not match")
	}
	return nil
}

package scalar_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/scalar"
)

func TestNumbersAndScalars(t *testing.T) {
	for in, want := range map[string]string{
		"42": "42", "42.0": "42", "-0": "0", "-0.0": "0", "19.99": "19.99", "19.990": "19.99",
		"1e3": "1000", "1.5E+2": "150", "2.5e-3": "0.0025", "0.000125": "0.000125", "-7.10": "-7.1",
		"123456789012345678901234567890": "123456789012345678901234567890", "0.5e1": "5", "007": "7", "0": "0", "00": "0",
	} {
		s, err := scalar.Number(in)
		if err != nil || s.String() != want {
			t.Errorf("Number(%s) = %q, %v; want %q", in, s, err, want)
		}
	}
	for _, bad := range []string{"", "-", "1.2.3", "0x10", "1e", "1e+", "NaN", "1e401", "١"} {
		if _, err := scalar.Number(bad); err == nil {
			t.Errorf("Number(%q) accepted", bad)
		}
	}
	if got := scalar.Bool(true).String() + scalar.Bool(false).String(); got != "truefalse" {
		t.Errorf("booleans render as %q", got)
	}
	at := time.Date(2026, 10, 1, 14, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	if got := scalar.Time(at).String(); got != "2026-10-01T12:00:00Z" {
		t.Errorf("time renders as %q", got)
	}
	if s, err := scalar.Parse(map[string]any{}); err == nil {
		t.Errorf("an object became scalar %q", s)
	}
	if b, _ := json.Marshal(scalar.Bool(true)); string(b) != `"true"` {
		t.Errorf("Scalar marshals as %s", b)
	}
}

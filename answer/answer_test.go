package answer_test

import (
	"encoding/json"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/answer"
	"github.com/lookup-adaptor/lookup-adaptor/scalar"
	"github.com/lookup-adaptor/lookup-adaptor/store"
)

func ada() store.Customer {
	return store.Customer{
		ExternalID: "C-1",
		Name:       " Ada Lovelace ",
		Emails:     []string{"ada@example.com", " "},
		Phones:     []store.Phone{{Original: "(415) 555-0123", E164: "+14155550123", Type: "CELL"}},
		CustomAttributes: map[string]scalar.Scalar{
			"tier": scalar.String("<gold>"), "points": scalar.Restore(scalar.KindNumber, "12"), "note": scalar.String(""),
		},
	}
}

func TestAppendProfile(t *testing.T) {
	c := ada()
	got := string(answer.AppendProfile([]byte("x"), &c, nil)) + "}"
	want := `x{"externalCustomerId":"C-1","name":"Ada Lovelace","emails":[{"original":"ada@example.com"}],` +
		`"phones":[{"original":"+14155550123","type":"OTHER"}],"customAttributes":{"points":"12","tier":"\u003cgold\u003e"}}`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A phone the store could not normalise is normalised as the answer is rendered, with the
// serving configuration; failing that, it is sent as held.
func TestPhonesWithoutE164(t *testing.T) {
	c := store.Customer{ExternalID: "C-2", Phones: []store.Phone{{Original: " 020 7946 0000 ", Type: store.Home}, {Original: "call me"}}}
	uk := func(s string) (string, bool) {
		if s == " 020 7946 0000 " {
			return "+442079460000", true
		}
		return "", false
	}
	got := string(answer.AppendProfile(nil, &c, uk))
	want := `{"externalCustomerId":"C-2","phones":[{"original":"+442079460000","type":"HOME"},{"original":"call me","type":"OTHER"}]`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if s := answer.Stored(&c); s != nil {
		t.Errorf("Stored rendered %q, which depends on the serving region", s)
	}
}

// What a backend stores reads back as the same bytes the customer renders into, and an answer
// copies it rather than rendering the fields.
func TestStoredRoundTrip(t *testing.T) {
	c := ada()
	stored := answer.Stored(&c)
	c.Profile = answer.Profile(stored)
	if string(c.Profile) != string(answer.AppendProfile(nil, &store.Customer{ExternalID: "C-1", Name: "Ada Lovelace",
		Emails: c.Emails, Phones: c.Phones, CustomAttributes: c.CustomAttributes}, nil)) {
		t.Fatalf("stored %q", stored)
	}
	if !json.Valid(append(append([]byte{}, c.Profile...), '}')) {
		t.Fatalf("the profile does not close into JSON: %s", c.Profile)
	}
	c.Name = "changed, but the stored rendering is what is sent"
	if got := answer.AppendProfile(nil, &c, nil); string(got) != string(c.Profile) {
		t.Errorf("with a Profile, AppendProfile rendered %s", got)
	}
	if again := answer.Stored(&c); string(again[1:]) == string(c.Profile) {
		t.Errorf("Stored copied the profile instead of rendering the fields")
	}
}

// A rendering tagged with another version, or none, is not served.
func TestProfileOfAnotherVersion(t *testing.T) {
	c := ada()
	stored := answer.Stored(&c)
	for _, b := range [][]byte{nil, {}, {answer.Version}, append([]byte{answer.Version + 1}, stored[1:]...)} {
		if p := answer.Profile(b); p != nil {
			t.Errorf("Profile(%q) = %q, want nil", b, p)
		}
	}
}

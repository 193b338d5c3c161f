package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/scalar"
	"github.com/lookup-adaptor/lookup-adaptor/store"
)

// recorder is a testing.TB that keeps what the suite reports.
type recorder struct {
	testing.TB
	msgs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

// A wrong answer is reported with the customers missing and not expected, by id and name.
func TestExpectNamesTheCustomers(t *testing.T) {
	r := &recorder{}
	expect(r, "by email", []store.Customer{{ExternalID: "C-1002"}}, nil, "C-1001 C-0999")
	want := "by email = [C-1002], want [C-1001 C-0999]: missing C-1001 (Ada Lovelace), C-0999 (Grace Hopper); not expected C-1002 (Ada Byron)"
	if len(r.msgs) != 1 || r.msgs[0] != want {
		t.Errorf("reported %q, want %q", r.msgs, want)
	}
	r = &recorder{}
	expect(r, "ordered", []store.Customer{{ExternalID: "C-0999"}, {ExternalID: "C-1001"}}, nil, "C-1001 C-0999")
	if len(r.msgs) != 1 || !strings.HasSuffix(r.msgs[0], "the right customers in the wrong order") {
		t.Errorf("reported %q", r.msgs)
	}
}

// A customer read back wrong is reported field by field.
func TestExpectCustomerNamesTheFields(t *testing.T) {
	want := fixtureCustomer(t, "C-1001", true)
	got := want
	got.Name = "Ada King"
	got.Phones = []store.Phone{{Original: "+44 20 7946 0018", Type: store.Home}}
	got.CustomAttributes = map[string]scalar.Scalar{"tier": scalar.String("Gold"), "color": scalar.String("red")}
	got.Transactions = got.Transactions[:1]
	r := &recorder{}
	expectCustomer(r, "Customer", got, want)
	if len(r.msgs) != 1 {
		t.Fatalf("reported %q", r.msgs)
	}
	for _, line := range []string{
		"C-1001 (Ada Lovelace) differs",
		`name: got "Ada King", want "Ada Lovelace"`,
		`phones[0] (E.164): got "+442079460018", want "+14155550123"`,
		`phones[0].type: got "HOME", want "MOBILE"`,
		`customAttributes.points: missing, want "1200"`,
		`customAttributes.color: not expected ("red")`,
		`transactions (count): got "1", want "3"`,
	} {
		if !strings.Contains(r.msgs[0], line) {
			t.Errorf("the report lacks %q:\n%s", line, r.msgs[0])
		}
	}
	r = &recorder{}
	expectCustomer(r, "Customer", want, want)
	if len(r.msgs) != 0 {
		t.Errorf("an identical customer reported %q", r.msgs)
	}
}

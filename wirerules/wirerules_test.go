package wirerules

import (
	"strings"
	"testing"
)

func TestProblems(t *testing.T) {
	for body, want := range map[string]string{
		`{"results":[{"externalCustomerId":"C-1","name":"Ada","phones":[{"original":"+1","type":"MOBILE"}],"customAttributes":{"tier":"gold"}}]}`: "",
		`{"results":[]}`: "",
		`{"results":[{"externalCustomerId":"C-1","points":12}]}`:                               ".points is a number, not a string",
		`{"results":[{"externalCustomerId":"C-1","vip":true}]}`:                                ".vip is a boolean, not a string",
		`{"results":[{"name":"Ada"}]}`:                                                         "every result needs externalCustomerId as a string",
		`{"results":[{"externalCustomerId":"C-1","address":""}]}`:                              ".address is an empty string; leave absent values out",
		`{"results":[],"more":1}`:                                                              "the only top-level key must be results",
		`{"results":[{"externalCustomerId":"C-1","phones":[{"original":"1","type":"CELL"}]}]}`: "a phone's type must be MOBILE, HOME, OFFICE or OTHER",
		`<html>`: "the answer is not a JSON object",
	} {
		if got := strings.Join(Problems([]byte(body), false), "; "); got != want {
			t.Errorf("%s: %q, want %q", body, got, want)
		}
	}
	two := `{"results":[{"externalCustomerId":"C-1"},{"externalCustomerId":"C-2"}]}`
	if got := Problems([]byte(two), true); len(got) != 1 || !strings.Contains(got[0], "at most one result") {
		t.Errorf("two DETAILED results: %v", got)
	}
	if got := Problems([]byte(two), false); got != nil {
		t.Errorf("two BASIC results: %v", got)
	}
}

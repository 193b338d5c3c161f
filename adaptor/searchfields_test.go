package adaptor_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
)

// matching.search_fields: attribute names of the admin's choosing search what they map to;
// names not mapped follow the default rules.
func TestSearchFieldMapping(t *testing.T) {
	fields, err := adaptor.ParseSearchFields(map[string]string{
		"emailAddress": "email", "orderId": "identifier:orderNumber", "fullName": "name",
		"level": "attribute:tier", "mobile": "phone", "customerNumber": "externalCustomerId",
	})
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, adaptor.Options{SearchFields: fields})
	for query, want := range map[string]string{
		`"emailAddress":"charles@example.com"`:       "C-1003",
		`"orderId":"A-7001"`:                         "C-1003",
		`"fullName":"grace hop"`:                     "C-1004",
		`"level":"platinum","fullName":"charles"`:    "C-1003",
		`"mobile":"(212) 555-0142"`:                  "C-1004",
		`"customerNumber":"C-1004"`:                  "C-1004",
		`"email":"charles@example.com"`:              "C-1003", // the default rules still hold
		`"orderNumber":"A-7001"`:                     "C-1003",
		`"emailAddress":"nobody@example.com"`:        "",
		`"id":"g","orderId":"A-7001","fullName":"x"`: "",
	} {
		status, body := h.post(t, `{"lookupLevel":"BASIC","query":{`+query+`},"uniqueMatchRequired":false}`)
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", query, status, body)
		}
		got := strings.Count(body, `"externalCustomerId"`)
		if (want == "" && got != 0) || (want != "" && (got != 1 || !strings.Contains(body, `"externalCustomerId":"`+want+`"`))) {
			t.Errorf("%s: got %s, want %q", query, body, want)
		}
	}
	for _, bad := range []map[string]string{
		{"x": "fone"}, {"x": "identifier:color"}, {"x": "attribute:"}, {"x": "email:work"}, {"id": "email"},
	} {
		if _, err := adaptor.ParseSearchFields(bad); err == nil {
			t.Errorf("ParseSearchFields(%v) accepted", bad)
		}
	}
}

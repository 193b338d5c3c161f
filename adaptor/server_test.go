package adaptor_test

import (
	"strings"
	"testing"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
	"github.com/lookup-adaptor/lookup-adaptor/store/memory"
)

// What no server can run without is an error from New, not a panic at the first request.
func TestConstructorsRefuseWhatCannotServe(t *testing.T) {
	m := memory.New(testNorm)
	key := &signing.Verifier{Keys: [][]byte{[]byte(testKey)}}
	for _, tc := range []struct {
		name string
		opts adaptor.Options
		want string
	}{
		{"no store", adaptor.Options{Verifier: key, Normalizer: testNorm}, "Options.Store is required"},
		{"no normaliser", adaptor.Options{Verifier: key, Store: m}, "Options.Normalizer is required"},
		{"no verifier", adaptor.Options{Store: m, Normalizer: testNorm}, "no signing key"},
		{"no key", adaptor.Options{Verifier: &signing.Verifier{}, Store: m, Normalizer: testNorm}, "no signing key"},
	} {
		if srv, err := adaptor.New(tc.opts, nil); err == nil || srv != nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New = %v, %v; want an error saying %q", tc.name, srv, err, tc.want)
		}
	}
	srv, err := adaptor.New(adaptor.Options{Verifier: key, Store: m, Normalizer: testNorm}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SetAuth(adaptor.Auth{Verifier: &signing.Verifier{}}); err == nil {
		t.Error("SetAuth accepted a verifier without keys")
	}
}

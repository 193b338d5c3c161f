package cli

import (
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"go.yaml.in/yaml/v3"
)

const repoConfig = "../config.yaml"

// Every key of Config has a default, a line in config.yaml with that default, and an entry in
// docs/configuration.md: adding a key without them fails here.
func TestEveryKeyHasItsDefaultFileEntryAndDocs(t *testing.T) {
	known := configKeys()
	b, err := os.ReadFile(repoConfig)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	inFile := fileKeys(raw, "")
	slices.Sort(inFile)
	if want := slices.Sorted(maps.Keys(known)); !slices.Equal(inFile, want) {
		t.Errorf("config.yaml lists\n %v\nConfig has\n %v", inFile, want)
	}
	fromFile, err := LoadConfig(repoConfig, true)
	if err != nil {
		t.Fatal(err)
	}
	fromCode, err := LoadConfig("", false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromFile, fromCode) {
		t.Errorf("config.yaml and defaults differ:\n file %+v\n code %+v", fromFile, fromCode)
	}
	if def := DefaultConfig(); !reflect.DeepEqual(fromCode, &def) {
		t.Errorf("loading no file gives another configuration than DefaultConfig:\n loaded  %+v\n default %+v", fromCode, def)
	}
	doc, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for k := range known {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/configuration.md does not document %s", k)
		}
	}
}

// Each mistake in configuration stops the program with a message naming the key.
func TestStrictConfigMistakes(t *testing.T) {
	cases := []struct {
		name, file string
		env        map[string]string
		want       []string
	}{
		{"unknown section", "sever:\n  addr: 127.0.0.1:1\n", nil, []string{"unknown key sever.addr", "did you mean server.addr?"}},
		{"unknown key", "server:\n  request_timout: 5s\n", nil, []string{"unknown key server.request_timout", "did you mean server.request_timeout?"}},
		{"far from anything", "colour: blue\n", nil, []string{"unknown key colour"}},
		{"unknown variable", "", map[string]string{"ADAPTOR_SIGNING_KEY": "k"}, []string{"unknown variable ADAPTOR_SIGNING_KEY", "did you mean ADAPTOR_SIGNING_KEYS?"}},
		{"duration without a unit", "server:\n  request_timeout: 5\n", nil, []string{"server.request_timeout: 5 has no unit"}},
		{"skew without a unit", "signing:\n  max_skew: 300\n", nil, []string{"signing.max_skew: 300 has no unit"}},
		{"duration without a unit, environment", "", map[string]string{"ADAPTOR_SERVER_SHUTDOWN_TIMEOUT": "15"}, []string{"server.shutdown_timeout: \"15\" is not a duration"}},
		{"half of TLS", "server:\n  tls:\n    cert_file: a.pem\n", nil, []string{"server.tls.cert_file and server.tls.key_file go together"}},
		{"bad search target", "matching:\n  search_fields:\n    orderId: identifier:color\n", nil, []string{"matching.search_fields: orderId", "the identifiers the store indexes are"}},
		{"console open to the network", "admin:\n  addr: 0.0.0.0:9090\n", nil, []string{"the console on admin.addr 0.0.0.0:9090, which is not a loopback address, needs admin.token"}},
		{"unknown search kind", "", map[string]string{"ADAPTOR_MATCHING_SEARCH_FIELDS": "mobile=fone"}, []string{"matching.search_fields: mobile", `"fone" is not a search target`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			path := writeFile(t, "config.yaml", tc.file)
			_, err := LoadConfig(path, true)
			for _, want := range tc.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want it to say %q", err, want)
				}
			}
		})
	}
	// With a token, or without the console, a non-loopback admin listener is fine.
	for _, file := range []string{"admin:\n  addr: 0.0.0.0:9090\n  token: t0k3n\n", "admin:\n  addr: 0.0.0.0:9090\nconsole:\n  enabled: false\n"} {
		if _, err := LoadConfig(writeFile(t, "config.yaml", file), true); err != nil {
			t.Errorf("%q: %v", file, err)
		}
	}
	// Zero needs no unit: max_skew 0 turns freshness off.
	c, err := LoadConfig(writeFile(t, "config.yaml", "signing:\n  max_skew: 0\n"), true)
	if err != nil || c.Signing.MaxSkew != 0 {
		t.Errorf("max_skew 0: %v %v", c, err)
	}
}

// matching.search_fields keeps the case of Gladly's attribute names, from the file or the
// environment, which replaces the file's map.
func TestSearchFieldsConfig(t *testing.T) {
	path := writeFile(t, "config.yaml", "matching:\n  search_fields:\n    emailAddress: email\n    orderId: \"identifier:orderNumber\"\n")
	c, err := LoadConfig(path, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"emailAddress": "email", "orderId": "identifier:orderNumber"}
	if !reflect.DeepEqual(c.Matching.SearchFields, want) {
		t.Errorf("search_fields = %v, want %v", c.Matching.SearchFields, want)
	}
	t.Setenv("ADAPTOR_MATCHING_SEARCH_FIELDS", "mobileNumber=phone, tierLevel=attribute:tier")
	c, err = LoadConfig(path, true)
	want = map[string]string{"mobileNumber": "phone", "tierLevel": "attribute:tier"}
	if err != nil || !reflect.DeepEqual(c.Matching.SearchFields, want) {
		t.Errorf("from the environment: %v %v, want %v", c.Matching.SearchFields, err, want)
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	t.Setenv("ADAPTOR_SERVER_ADDR", "127.0.0.1:18080")
	t.Setenv("ADAPTOR_SIGNING_KEYS", "new-key, old-key,")
	t.Setenv("ADAPTOR_SIGNING_MAX_SKEW", "0")
	t.Setenv("ADAPTOR_STORE_MAX_RESULTS", "7")
	t.Setenv("ADAPTOR_AUTH_BASIC_USERNAME", "gladly")
	c, err := LoadConfig(repoConfig, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Addr != "127.0.0.1:18080" || c.Signing.MaxSkew != 0 || c.Store.MaxResults != 7 || c.Auth.Basic.Username != "gladly" {
		t.Errorf("overrides not applied: %+v", c)
	}
	if !reflect.DeepEqual(c.Signing.Keys, []string{"new-key", "old-key"}) {
		t.Errorf("keys = %q", c.Signing.Keys)
	}
	if c.Server.RequestTimeout != 5*time.Second {
		t.Errorf("untouched default changed: %v", c.Server.RequestTimeout)
	}
}

func TestConfigErrors(t *testing.T) {
	if _, err := LoadConfig("does-not-exist.yaml", true); err == nil {
		t.Error("an explicit missing config file must fail")
	}
	if _, err := LoadConfig("does-not-exist.yaml", false); err != nil {
		t.Errorf("the default config file may be absent: %v", err)
	}
	t.Setenv("ADAPTOR_LOG_FORMAT", "xml")
	t.Setenv("ADAPTOR_SERVER_PATH", "lookup")
	_, err := LoadConfig("", false)
	if err == nil || !strings.Contains(err.Error(), "log.format") || !strings.Contains(err.Error(), "server.path") {
		t.Errorf("bad values must be named: %v", err)
	}
}

func TestServeRefusesWithoutKey(t *testing.T) {
	t.Setenv("ADAPTOR_SIGNING_KEYS", "")
	err := run(t, "serve", "--config", repoConfig)
	if err == nil || !strings.Contains(err.Error(), "ADAPTOR_SIGNING_KEYS") {
		t.Fatalf("serve without a key: %v", err)
	}
}

func TestLoggerLevelsAndFormats(t *testing.T) {
	for _, format := range []string{"json", "console"} {
		t.Setenv("ADAPTOR_LOG_FORMAT", format)
		t.Setenv("ADAPTOR_LOG_LEVEL", "warn")
		c, err := LoadConfig("", false)
		if err != nil {
			t.Fatal(err)
		}
		log, err := newLogger(c, os.Stderr)
		if err != nil {
			t.Fatal(err)
		}
		if log.Core().Enabled(zapcore.InfoLevel) || !log.Core().Enabled(zapcore.WarnLevel) {
			t.Errorf("%s logger does not honour log.level warn", format)
		}
		_ = log.Sync()
	}
}

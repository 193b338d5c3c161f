package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/viper"
	"go.uber.org/zap/zapcore"
)

const repoConfig = "../../config.yaml"

// config.yaml must list every key with the same default the code has.
func TestConfigYAMLMatchesDefaults(t *testing.T) {
	fromFile, err := loadConfig(repoConfig, true)
	if err != nil {
		t.Fatal(err)
	}
	fromCode, err := loadConfig("", false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromFile, fromCode) {
		t.Errorf("config.yaml and defaults differ:\n file %+v\n code %+v", fromFile, fromCode)
	}
	v := viper.New()
	v.SetConfigFile(repoConfig)
	if err := v.ReadInConfig(); err != nil {
		t.Fatal(err)
	}
	for key := range defaults {
		if !v.InConfig(key) {
			t.Errorf("config.yaml lacks %s", key)
		}
	}
	if got, want := len(v.AllKeys()), len(defaults); got != want {
		t.Errorf("config.yaml has %d keys, defaults %d: %v", got, want, v.AllKeys())
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	t.Setenv("ADAPTOR_SERVER_ADDR", "127.0.0.1:18080")
	t.Setenv("ADAPTOR_SIGNING_KEYS", "new-key, old-key,")
	t.Setenv("ADAPTOR_SIGNING_MAX_SKEW", "0")
	t.Setenv("ADAPTOR_STORE_MAX_RESULTS", "7")
	t.Setenv("ADAPTOR_AUTH_BASIC_USERNAME", "gladly")
	c, err := loadConfig(repoConfig, true)
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
	if _, err := loadConfig("does-not-exist.yaml", true); err == nil {
		t.Error("an explicit missing config file must fail")
	}
	if _, err := loadConfig("does-not-exist.yaml", false); err != nil {
		t.Errorf("the default config file may be absent: %v", err)
	}
	t.Setenv("ADAPTOR_LOG_FORMAT", "xml")
	t.Setenv("ADAPTOR_SERVER_PATH", "lookup")
	_, err := loadConfig("", false)
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
		c, err := loadConfig("", false)
		if err != nil {
			t.Fatal(err)
		}
		log, err := newLogger(c)
		if err != nil {
			t.Fatal(err)
		}
		if log.Core().Enabled(zapcore.InfoLevel) || !log.Core().Enabled(zapcore.WarnLevel) {
			t.Errorf("%s logger does not honour log.level warn", format)
		}
		_ = log.Sync()
	}
}

package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/viper"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.yaml.in/yaml/v3"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/store/postgres"
)

// envPrefix prefixes every environment override: server.addr → ADAPTOR_SERVER_ADDR.
const envPrefix = "ADAPTOR"

// defaults holds every configuration key with its default value (docs/configuration.md), built from the
// constants of the packages that use them. config.yaml at the repository root lists the same
// keys and values, docs/configuration.md documents them; a test keeps the three and Config
// equal.
var defaults = map[string]any{
	"server.addr":             "127.0.0.1:8080",
	"server.path":             adaptor.DefaultPath,
	"server.max_body_bytes":   adaptor.DefaultMaxBodyBytes,
	"server.request_timeout":  adaptor.DefaultRequestTimeout.String(),
	"server.shutdown_timeout": "15s",
	"server.max_connections":  adaptor.DefaultMaxConnections,
	"server.public_url":       "",
	"server.tls.cert_file":    "",
	"server.tls.key_file":     "",
	"signing.keys":            []string{},
	"signing.max_skew":        "5m",
	"signing.path":            "",
	"signing.reject_replays":  false,
	"auth.basic.username":     "",
	"auth.basic.password":     "",
	"auth.basic.realm":        "lookup-adaptor",
	"store.driver":            "sqlite",
	"store.dsn":               "data/lookup-adaptor.db",
	"store.max_results":       adaptor.DefaultMaxResults,
	"store.max_transactions":  adaptor.DefaultMaxTransactions,
	"store.max_open_conns":    postgres.DefaultMaxOpenConns,
	"matching.default_region": "US",
	"matching.search_fields":  map[string]string{},
	"actions.file":            "",
	"actions.webhook_secret":  "",
	"actions.timeout":         adaptor.DefaultActionTimeout.String(),
	"log.level":               "info",
	"log.format":              "json",
	"admin.addr":              "127.0.0.1:9090",
	"admin.token":             "",
	"console.enabled":         true,
	"console.recent":          200,
}

// Config is the whole configuration, read once at start (and again on SIGHUP).
type Config struct {
	Server struct {
		Addr            string        `mapstructure:"addr"`
		Path            string        `mapstructure:"path"`
		MaxBodyBytes    int64         `mapstructure:"max_body_bytes"`
		RequestTimeout  time.Duration `mapstructure:"request_timeout"`
		ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
		MaxConnections  int           `mapstructure:"max_connections"`
		PublicURL       string        `mapstructure:"public_url"`
		TLS             struct {
			CertFile string `mapstructure:"cert_file"`
			KeyFile  string `mapstructure:"key_file"`
		} `mapstructure:"tls"`
	} `mapstructure:"server"`
	Signing struct {
		Keys          []string      `mapstructure:"keys"`
		MaxSkew       time.Duration `mapstructure:"max_skew"`
		Path          string        `mapstructure:"path"`
		RejectReplays bool          `mapstructure:"reject_replays"`
	} `mapstructure:"signing"`
	Auth struct {
		Basic struct {
			Username string `mapstructure:"username"`
			Password string `mapstructure:"password"`
			Realm    string `mapstructure:"realm"`
		} `mapstructure:"basic"`
	} `mapstructure:"auth"`
	Store struct {
		Driver          string `mapstructure:"driver"`
		DSN             string `mapstructure:"dsn"`
		MaxResults      int    `mapstructure:"max_results"`
		MaxTransactions int    `mapstructure:"max_transactions"`
		MaxOpenConns    int    `mapstructure:"max_open_conns"`
	} `mapstructure:"store"`
	Matching struct {
		DefaultRegion string `mapstructure:"default_region"`
		// SearchFields is read from the file with its keys' case kept (Gladly's attribute
		// names are case-sensitive, and viper lower-cases keys), or from the environment.
		SearchFields map[string]string `mapstructure:"-"`
	} `mapstructure:"matching"`
	Actions struct {
		File          string        `mapstructure:"file"`
		WebhookSecret string        `mapstructure:"webhook_secret"`
		Timeout       time.Duration `mapstructure:"timeout"`
	} `mapstructure:"actions"`
	Log struct {
		Level  string `mapstructure:"level"`
		Format string `mapstructure:"format"`
	} `mapstructure:"log"`
	Admin struct {
		Addr  string `mapstructure:"addr"`
		Token string `mapstructure:"token"`
	} `mapstructure:"admin"`
	Console struct {
		Enabled bool `mapstructure:"enabled"`
		Recent  int  `mapstructure:"recent"`
	} `mapstructure:"console"`
}

// mapKeys are the keys whose value is a map of the user's own keys, not more configuration.
var mapKeys = []string{"matching.search_fields"}

// loadConfig reads path (a missing file is an error only when required) under the defaults, then
// the ADAPTOR_* environment. List values given in the environment are comma-separated, map
// values comma-separated key=value pairs. An unknown key, in the file or the environment, and a
// duration without a unit are errors naming the key.
func loadConfig(path string, required bool) (*Config, error) {
	v := viper.New()
	for k, val := range defaults {
		v.SetDefault(k, val)
	}
	v.SetEnvPrefix(envPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	var raw map[string]any // the file as written, keys' case kept
	if path != "" {
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			if err := yaml.Unmarshal(b, &raw); err != nil {
				return nil, fmt.Errorf("config %s: %w", path, err)
			}
			v.SetConfigFile(path)
			v.SetConfigType("yaml")
			if err := v.ReadInConfig(); err != nil {
				return nil, fmt.Errorf("config %s: %w", path, err)
			}
		case required || !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	env := os.Environ()
	if err := checkKeys(path, raw, env); err != nil {
		return nil, err
	}
	if err := checkDurations(v); err != nil {
		return nil, err
	}
	var c Config
	if err := v.Unmarshal(&c); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.Signing.Keys = splitList(c.Signing.Keys)
	fields, err := searchFields(raw, env)
	if err != nil {
		return nil, err
	}
	c.Matching.SearchFields = fields
	return &c, c.validate()
}

// splitList trims entries and drops empty ones, so "a, b," and [a, b] read the same.
func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// validate rejects values no command can run with. Keys are checked by the commands that need
// them, so that `version` or `sign --key` work without one.
func (c *Config) validate() error {
	var errs []error
	if !strings.HasPrefix(c.Server.Path, "/") {
		errs = append(errs, fmt.Errorf("server.path must start with '/', got %q", c.Server.Path))
	}
	if c.Server.MaxBodyBytes <= 0 {
		errs = append(errs, errors.New("server.max_body_bytes must be positive"))
	}
	if c.Server.RequestTimeout <= 0 || c.Server.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("server.request_timeout and server.shutdown_timeout must be positive"))
	}
	if c.Server.MaxConnections <= 0 {
		errs = append(errs, errors.New("server.max_connections must be positive"))
	}
	if (c.Server.TLS.CertFile == "") != (c.Server.TLS.KeyFile == "") {
		errs = append(errs, errors.New("server.tls.cert_file and server.tls.key_file go together: set both (HTTPS) or neither"))
	}
	if _, err := adaptor.ParseSearchFields(c.Matching.SearchFields); err != nil {
		errs = append(errs, fmt.Errorf("matching.search_fields: %w", err))
	}
	if u := c.Server.PublicURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		errs = append(errs, fmt.Errorf("server.public_url must be an origin such as https://adaptor.example.com, got %q", u))
	}
	if c.Console.Enabled && c.Console.Recent <= 0 {
		errs = append(errs, errors.New("console.recent must be positive"))
	}
	if c.Console.Enabled && c.Admin.Token == "" && !loopback(c.Admin.Addr) {
		errs = append(errs, fmt.Errorf("the console on admin.addr %s, which is not a loopback address, needs admin.token (set ADAPTOR_ADMIN_TOKEN), or console.enabled: false", c.Admin.Addr))
	}
	if c.Actions.Timeout <= 0 {
		errs = append(errs, errors.New("actions.timeout must be positive"))
	}
	if c.Signing.MaxSkew < 0 {
		errs = append(errs, errors.New("signing.max_skew must be zero (off) or positive"))
	}
	if c.Store.MaxResults <= 0 || c.Store.MaxTransactions <= 0 || c.Store.MaxOpenConns <= 0 {
		errs = append(errs, errors.New("store.max_results, store.max_transactions and store.max_open_conns must be positive"))
	}
	if c.Log.Format != "json" && c.Log.Format != "console" {
		errs = append(errs, fmt.Errorf("log.format must be json or console, got %q", c.Log.Format))
	}
	if _, err := zapcore.ParseLevel(c.Log.Level); err != nil {
		errs = append(errs, fmt.Errorf("log.level: %w", err))
	}
	return errors.Join(errs...)
}

// loopback reports whether addr (host:port) listens on a loopback address only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// requireKeys is the check serve makes before starting.
func (c *Config) requireKeys() error {
	if len(c.Signing.Keys) == 0 {
		return errors.New("no signing key: set ADAPTOR_SIGNING_KEYS to the signing key shown in Gladly's " +
			"Lookup Adaptor settings (comma-separate several keys during a rotation)")
	}
	return nil
}

// signingKey is the key sign and replay use: the --key flag, else the first configured key.
func (c *Config) signingKey(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if len(c.Signing.Keys) > 0 {
		return c.Signing.Keys[0], nil
	}
	return "", errors.New("no key: pass --key or set ADAPTOR_SIGNING_KEYS")
}

// keyBytes returns the signing keys as the verifier takes them.
func (c *Config) keyBytes() [][]byte {
	keys := make([][]byte, len(c.Signing.Keys))
	for i, k := range c.Signing.Keys {
		keys[i] = []byte(k)
	}
	return keys
}

// newLogger builds the process logger from log.level and log.format. JSON logs (production)
// are buffered and flushed every second and on Sync, so a busy server does not make one write
// system call per request; console logs (development) are written at once.
func newLogger(c *Config) (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(c.Log.Level)
	if err != nil {
		return nil, err
	}
	var enc zapcore.Encoder
	var out zapcore.WriteSyncer = zapcore.Lock(os.Stderr)
	if c.Log.Format == "console" {
		enc = zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	} else {
		enc = zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
		out = &zapcore.BufferedWriteSyncer{WS: out, Size: 256 << 10, FlushInterval: time.Second}
	}
	return zap.New(zapcore.NewCore(enc, out, level), zap.AddCaller(), zap.ErrorOutput(zapcore.Lock(os.Stderr))), nil
}

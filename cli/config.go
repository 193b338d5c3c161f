package cli

import (
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/spf13/viper"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.yaml.in/yaml/v3"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/store/phone"
	"github.com/lookup-adaptor/lookup-adaptor/store/seedfile"
)

// envPrefix prefixes every environment override: server.addr → ADAPTOR_SERVER_ADDR.
const envPrefix = "ADAPTOR"

// Config is the whole configuration (docs/configuration.md), read once at start and again on
// SIGHUP. Each field's mapstructure tag is its key in config.yaml; its validate tag the rule
// its value must meet.
type Config struct {
	Server   ServerConfig   `mapstructure:"server"`
	Signing  SigningConfig  `mapstructure:"signing"`
	Auth     AuthConfig     `mapstructure:"auth"`
	Store    StoreConfig    `mapstructure:"store"`
	Matching MatchingConfig `mapstructure:"matching"`
	Seed     SeedConfig     `mapstructure:"seed"`
	Actions  ActionsConfig  `mapstructure:"actions"`
	Log      LogConfig      `mapstructure:"log"`
	Admin    AdminConfig    `mapstructure:"admin"`
	Console  ConsoleConfig  `mapstructure:"console"`
}

// ServerConfig is the lookup listener (server.*).
type ServerConfig struct {
	Addr            string        `mapstructure:"addr" validate:"required"`
	Path            string        `mapstructure:"path" validate:"startswith=/"`
	MaxBodyBytes    int64         `mapstructure:"max_body_bytes" validate:"gt=0"`
	RequestTimeout  time.Duration `mapstructure:"request_timeout" validate:"gt=0"`
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout" validate:"gt=0"`
	MaxConnections  int           `mapstructure:"max_connections" validate:"gt=0"`
	IdleTimeout     time.Duration `mapstructure:"idle_timeout" validate:"gt=0"`
	PublicURL       string        `mapstructure:"public_url" validate:"omitempty,http_url"`
	TLS             TLSConfig     `mapstructure:"tls"`
}

// TLSConfig is HTTPS served directly (server.tls.*): both files or neither.
type TLSConfig struct {
	CertFile string `mapstructure:"cert_file" validate:"required_with=KeyFile"`
	KeyFile  string `mapstructure:"key_file" validate:"required_with=CertFile"`
}

// SigningConfig is how Gladly's signatures are checked (signing.*).
type SigningConfig struct {
	// Keys are the signing keys, each used as the raw bytes of the string (not hex or base64
	// decoded), as Gladly shows it.
	Keys          []string      `mapstructure:"keys"`
	MaxSkew       time.Duration `mapstructure:"max_skew" validate:"gte=0"`
	Path          string        `mapstructure:"path" validate:"omitempty,startswith=/"`
	RejectReplays bool          `mapstructure:"reject_replays"`
}

// AuthConfig is the optional HTTP Basic check (auth.*).
type AuthConfig struct {
	Basic BasicConfig `mapstructure:"basic"`
}

// BasicConfig holds the HTTP Basic credentials Gladly sends (auth.basic.*).
type BasicConfig struct {
	Username string `mapstructure:"username"`
	Password string `mapstructure:"password"`
	Realm    string `mapstructure:"realm"`
}

// StoreConfig selects and opens the system of record (store.*).
type StoreConfig struct {
	Driver          string `mapstructure:"driver" validate:"required"`
	DSN             string `mapstructure:"dsn"`
	MaxResults      int    `mapstructure:"max_results" validate:"gt=0"`
	MaxTransactions int    `mapstructure:"max_transactions" validate:"gt=0"`
	MaxOpenConns    int    `mapstructure:"max_open_conns" validate:"gt=0"`
	// ReadDSNs are the standbys lookups read from (postgres); in ADAPTOR_STORE_READ_DSNS,
	// comma-separated.
	ReadDSNs      []string      `mapstructure:"read_dsns"`
	MaxReplicaLag time.Duration `mapstructure:"max_replica_lag" validate:"gt=0"`
	// Options are the backend's own settings, handed to it as they are
	// (store.OpenOptions.Options): read from the file with their keys' case kept, or from
	// ADAPTOR_STORE_OPTIONS as comma-separated key=value pairs.
	Options map[string]any `mapstructure:"-"`
}

// SeedConfig bounds each record seed reads (seed.*); a record past them is refused, naming its
// file, line and field, and export warns about stored records past them.
type SeedConfig struct {
	MaxRecordBytes    int `mapstructure:"max_record_bytes" validate:"gt=0"`
	MaxTextChars      int `mapstructure:"max_text_chars" validate:"gt=0"`
	MaxAttributes     int `mapstructure:"max_attributes" validate:"gt=0"`
	MaxAttributeChars int `mapstructure:"max_attribute_chars" validate:"gt=0"`
}

// seedLimits are the limits seed.* sets.
func (c *Config) seedLimits() seedfile.Limits {
	return seedfile.Limits(c.Seed)
}

// MatchingConfig is how queries match customers (matching.*).
type MatchingConfig struct {
	DefaultRegion string `mapstructure:"default_region" validate:"phoneregion"`
	// SearchFields is read from the file with its keys' case kept (Gladly's attribute names
	// are case-sensitive, and viper lower-cases keys), or from the environment.
	SearchFields map[string]string `mapstructure:"-"`
}

// ActionsConfig is the actions catalog and how submissions run (actions.*).
type ActionsConfig struct {
	File          string        `mapstructure:"file"`
	WebhookSecret string        `mapstructure:"webhook_secret"`
	Timeout       time.Duration `mapstructure:"timeout" validate:"gt=0"`
}

// LogConfig is the process log (log.*).
type LogConfig struct {
	Level  string `mapstructure:"level" validate:"zaplevel"`
	Format string `mapstructure:"format" validate:"oneof=json console"`
}

// AdminConfig is the admin listener: health, metrics and the console (admin.*).
type AdminConfig struct {
	Addr  string `mapstructure:"addr" validate:"required"`
	Token string `mapstructure:"token"`
}

// ConsoleConfig is the operator console (console.*).
type ConsoleConfig struct {
	Enabled bool `mapstructure:"enabled"`
	Recent  int  `mapstructure:"recent" validate:"gte=0"`
}

// DefaultMaxOpenConns is store.max_open_conns' default.
const DefaultMaxOpenConns = 10

// DefaultConfig returns every key's default (docs/configuration.md), built from the constants
// of the packages that use them. config.yaml at the repository root lists the same keys and
// values; a test keeps the two, and the documentation, equal.
func DefaultConfig() Config {
	return Config{
		Server: ServerConfig{
			Addr:            "127.0.0.1:8080",
			Path:            adaptor.DefaultPath,
			MaxBodyBytes:    adaptor.DefaultMaxBodyBytes,
			RequestTimeout:  adaptor.DefaultRequestTimeout,
			ShutdownTimeout: 15 * time.Second,
			MaxConnections:  adaptor.DefaultMaxConnections,
			IdleTimeout:     adaptor.DefaultIdleTimeout,
		},
		Signing:  SigningConfig{MaxSkew: 5 * time.Minute},
		Auth:     AuthConfig{Basic: BasicConfig{Realm: "lookup-adaptor"}},
		Store:    StoreConfig{Driver: "sqlite", DSN: "data/lookup-adaptor.db", MaxResults: adaptor.DefaultMaxResults, MaxTransactions: adaptor.DefaultMaxTransactions, MaxOpenConns: DefaultMaxOpenConns, ReadDSNs: []string{}, MaxReplicaLag: store.DefaultMaxReplicaLag, Options: map[string]any{}},
		Matching: MatchingConfig{DefaultRegion: "US", SearchFields: map[string]string{}},
		Seed:     SeedConfig(seedfile.DefaultLimits()),
		Actions:  ActionsConfig{Timeout: adaptor.DefaultActionTimeout},
		Log:      LogConfig{Level: "info", Format: "json"},
		Admin:    AdminConfig{Addr: "127.0.0.1:9090"},
		Console:  ConsoleConfig{Enabled: true, Recent: 200},
	}
}

// mapKeys are the keys whose value is a map of the user's own keys, not more configuration.
var mapKeys = []string{"matching.search_fields", "store.options"}

// LoadConfig reads the configuration file at path (a missing file is an error only when
// required) over DefaultConfig, then the ADAPTOR_* environment, and validates the result. List
// values given in the environment are comma-separated, map values comma-separated key=value
// pairs. An unknown key, in the file or the environment, a duration without a unit and a value
// no command can run with are errors naming the key.
func LoadConfig(path string, required bool) (*Config, error) {
	v := viper.New()
	for k, val := range defaultValues() {
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
	fields, err := userMap(raw, env, "matching.search_fields", "of Gladly attribute names to targets")
	if err != nil {
		return nil, err
	}
	c.Matching.SearchFields = make(map[string]string, len(fields))
	for k, target := range fields {
		s, ok := target.(string)
		if !ok {
			return nil, fmt.Errorf("matching.search_fields.%s: want a target as a string (email, phone, name, externalCustomerId, identifier:<field> or attribute:<name>)", k)
		}
		c.Matching.SearchFields[k] = s
	}
	if c.Store.Options, err = userMap(raw, env, "store.options", "of the store backend's own settings"); err != nil {
		return nil, err
	}
	return &c, c.Validate()
}

// defaultValues flattens DefaultConfig into viper's defaults, one per key; durations are
// written as text, as a file would give them.
func defaultValues() map[string]any {
	out := map[string]any{}
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name := f.Tag.Get("mapstructure")
			if name == "-" {
				continue // the user's own maps, read apart
			}
			switch fv := v.Field(i); {
			case f.Type == reflect.TypeFor[time.Duration]():
				out[prefix+name] = fv.Interface().(time.Duration).String()
			case f.Type.Kind() == reflect.Struct:
				walk(fv, prefix+name+".")
			default:
				out[prefix+name] = fv.Interface()
			}
		}
	}
	walk(reflect.ValueOf(DefaultConfig()), "")
	return out
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

// Validate rejects values no command can run with, naming each key at fault. Signing keys are
// checked by the commands that need them, so that `version` or `sign --key` work without one.
func (c *Config) Validate() error {
	var errs []error
	if err := configValidator.Struct(c); err != nil {
		var verrs validator.ValidationErrors
		if !errors.As(err, &verrs) {
			return fmt.Errorf("config: %w", err)
		}
		for _, fe := range verrs {
			errs = append(errs, fieldError(fe))
		}
	}
	if _, err := adaptor.ParseSearchFields(c.Matching.SearchFields); err != nil {
		errs = append(errs, fmt.Errorf("matching.search_fields: %w", err))
	}
	if c.Console.Enabled && c.Console.Recent == 0 {
		errs = append(errs, errors.New("console.recent must be positive while console.enabled is true"))
	}
	if c.Console.Enabled && c.Admin.Token == "" && !loopback(c.Admin.Addr) {
		errs = append(errs, fmt.Errorf("the console on admin.addr %s, which is not a loopback address, needs admin.token (set ADAPTOR_ADMIN_TOKEN), or console.enabled: false", c.Admin.Addr))
	}
	return errors.Join(errs...)
}

// configValidator checks Config's validate tags; errors name fields by their keys.
var configValidator = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string { return f.Tag.Get("mapstructure") })
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(v.RegisterValidation("zaplevel", func(fl validator.FieldLevel) bool {
		_, err := zapcore.ParseLevel(fl.Field().String())
		return err == nil
	}))
	must(v.RegisterValidation("phoneregion", func(fl validator.FieldLevel) bool {
		_, err := phone.NewNormalizer(fl.Field().String())
		return err == nil
	}))
	return v
}()

// fieldError says what is wrong with one value, naming its key.
func fieldError(fe validator.FieldError) error {
	key := strings.TrimPrefix(fe.Namespace(), "Config.")
	switch fe.Tag() {
	case "required":
		return fmt.Errorf("%s must be set", key)
	case "gt":
		return fmt.Errorf("%s must be positive, got %v", key, fe.Value())
	case "gte":
		return fmt.Errorf("%s must be zero or positive, got %v", key, fe.Value())
	case "startswith":
		return fmt.Errorf("%s must start with %q, got %q", key, fe.Param(), fe.Value())
	case "oneof":
		return fmt.Errorf("%s must be one of %s, got %q", key, strings.ReplaceAll(fe.Param(), " ", ", "), fe.Value())
	case "http_url":
		return fmt.Errorf("%s must be an origin such as https://adaptor.example.com, got %q", key, fe.Value())
	case "required_with":
		section := key[:strings.LastIndex(key, ".")+1]
		pair := []string{key, section + toSnake(fe.Param())}
		if pair[0] > pair[1] {
			pair[0], pair[1] = pair[1], pair[0]
		}
		return fmt.Errorf("%s and %s go together: set both or neither", pair[0], pair[1])
	case "zaplevel":
		return fmt.Errorf("%s must be debug, info, warn or error, got %q", key, fe.Value())
	case "phoneregion":
		return fmt.Errorf("%s: %q is not a region code such as US or GB", key, fe.Value())
	}
	return fmt.Errorf("%s: %v fails the rule %s", key, fe.Value(), fe.ActualTag())
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

// keyBytes returns the signing keys as the verifier takes them: the bytes of each string.
func (c *Config) keyBytes() [][]byte {
	keys := make([][]byte, len(c.Signing.Keys))
	for i, k := range c.Signing.Keys {
		keys[i] = []byte(k)
	}
	return keys
}

// newLogger builds the process logger, writing to w, from log.level and log.format. JSON logs
// (production) are buffered and flushed every second and on Sync, so a busy server does not make
// one write system call per request; console logs (development) are written at once.
func newLogger(c *Config, w zapcore.WriteSyncer) (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(c.Log.Level)
	if err != nil {
		return nil, err
	}
	var enc zapcore.Encoder
	var out = zapcore.Lock(w)
	if c.Log.Format == "console" {
		enc = zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	} else {
		enc = zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
		out = &zapcore.BufferedWriteSyncer{WS: out, Size: 256 << 10, FlushInterval: time.Second}
	}
	return zap.New(zapcore.NewCore(enc, out, level), zap.AddCaller(), zap.ErrorOutput(zapcore.Lock(os.Stderr))), nil
}

package cli

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
	"github.com/spf13/viper"
)

// configKeys lists every key of Config, by its dotted mapstructure path, with its Go type.
// Struct fields are sections; a field tagged "-" is a key by its lower-cased Go name.
func configKeys() map[string]reflect.Type {
	keys := map[string]reflect.Type{}
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			name := f.Tag.Get("mapstructure")
			if name == "-" {
				name = toSnake(f.Name)
			}
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Duration]() {
				walk(f.Type, prefix+name+".")
				continue
			}
			keys[prefix+name] = f.Type
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return keys
}

// toSnake turns a Go name into a config key: SearchFields → search_fields.
func toSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if 'A' <= r && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// envName is the environment variable overriding a key: server.addr → ADAPTOR_SERVER_ADDR.
func envName(key string) string {
	return envPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// checkKeys refuses a key in the file (raw, as parsed from path) or an ADAPTOR_ variable of env
// that is not a configuration key, naming it and, for a near miss, the key it probably means.
func checkKeys(path string, raw map[string]any, env []string) error {
	known := configKeys()
	names := make([]string, 0, len(known))
	envNames := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
		envNames = append(envNames, envName(k))
	}
	var errs []string
	for _, key := range fileKeys(raw, "") {
		if _, ok := known[key]; !ok {
			errs = append(errs, fmt.Sprintf("%s: unknown key %s%s", path, key, didYouMean(key, names)))
		}
	}
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, envPrefix+"_") && !slices.Contains(envNames, name) {
			errs = append(errs, fmt.Sprintf("environment: unknown variable %s%s", name, didYouMean(name, envNames)))
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("config: %s", strings.Join(errs, "; "))
	}
	return nil
}

// fileKeys flattens a parsed YAML document into dotted keys; a map key's own entries are the
// user's, not keys.
func fileKeys(m map[string]any, prefix string) []string {
	var out []string
	for k, v := range m {
		key := prefix + k
		if sub, ok := v.(map[string]any); ok && !slices.Contains(mapKeys, key) {
			out = append(out, fileKeys(sub, key+".")...)
			continue
		}
		out = append(out, key)
	}
	return out
}

// didYouMean suggests the nearest of candidates to s, when it is near enough to be a typo.
func didYouMean(s string, candidates []string) string {
	if best := text.Nearest(s, candidates); best != "" {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return ""
}

// checkDurations refuses a duration written without a unit ("5" for 5 seconds would be 5
// nanoseconds); 0 alone needs none.
func checkDurations(v *viper.Viper) error {
	var errs []string
	for key, t := range configKeys() {
		if t != reflect.TypeFor[time.Duration]() {
			continue
		}
		val := v.Get(key)
		if s, ok := val.(string); ok {
			if _, err := time.ParseDuration(strings.TrimSpace(s)); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not a duration; write it with a unit, as in 5s, 300ms or 5m", key, s))
			}
			continue
		}
		if rv := reflect.ValueOf(val); rv.IsValid() && rv.CanConvert(reflect.TypeFor[float64]()) && rv.Convert(reflect.TypeFor[float64]()).Float() == 0 {
			continue
		}
		errs = append(errs, fmt.Sprintf("%s: %v has no unit; write it with one, as in %vs or %vm", key, val, val, val))
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("config: %s", strings.Join(errs, "; "))
	}
	return nil
}

// userMap reads key, a map of the user's own keys: from its ADAPTOR_ variable ("name=value,…")
// when set and not empty, else from the file (raw) with the keys' case kept. what says, in an error, what the
// map holds.
func userMap(raw map[string]any, env []string, key, what string) (map[string]any, error) {
	for _, kv := range env {
		if name, value, _ := strings.Cut(kv, "="); name == envName(key) && value != "" {
			out := map[string]any{}
			for _, pair := range splitList([]string{value}) {
				k, v, ok := strings.Cut(pair, "=")
				if !ok {
					return nil, fmt.Errorf("%s: %q is not name=value", envName(key), pair)
				}
				out[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
			return out, nil
		}
	}
	section, name, _ := strings.Cut(key, ".")
	parent, _ := raw[section].(map[string]any)
	entries, ok := parent[name]
	if !ok || entries == nil {
		return map[string]any{}, nil
	}
	m, ok := entries.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a map %s", key, what)
	}
	return m, nil
}

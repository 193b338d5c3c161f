package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// sampleFields builds, for each zap constructor the code logs with, a field of that kind under
// the name "f", with a value whose JSON type is unambiguous (a duration with a fraction).
var sampleFields = map[string]func() zap.Field{
	"String":   func() zap.Field { return zap.String("f", "x") },
	"Strings":  func() zap.Field { return zap.Strings("f", []string{"x"}) },
	"Int":      func() zap.Field { return zap.Int("f", 7) },
	"Int64":    func() zap.Field { return zap.Int64("f", 7) },
	"Bool":     func() zap.Field { return zap.Bool("f", true) },
	"Duration": func() zap.Field { return zap.Duration("f", 1500*time.Millisecond) },
	"Stack":    func() zap.Field { return zap.Stack("f") },
	"Error":    func() zap.Field { return zap.NamedError("f", errors.New("x")) },
}

// The table of JSON log fields in docs/operations.md is what the code writes: every field a
// zap constructor names in the module's code is a row, with the type the JSON logger gives it,
// and every row is a field the code (or the encoder) writes.
func TestLogFieldTableIsTrue(t *testing.T) {
	table := logFieldTable(t)
	written := loggedFields(t)
	for field, ctors := range written {
		for ctor := range ctors {
			if got := table[field]; got != jsonTypeOf(t, sampleFields[ctor]()) {
				t.Errorf("field %s (zap.%s) is %q in docs/operations.md, but the JSON logger writes %s", field, ctor, got, jsonTypeOf(t, sampleFields[ctor]()))
			}
		}
	}
	line := logLine(t)
	for field, typ := range table {
		if _, ok := written[field]; ok {
			continue
		}
		v, ok := line[field]
		if !ok {
			t.Errorf("docs/operations.md lists the log field %s, which nothing writes", field)
		} else if got := typeName(v); got != typ {
			t.Errorf("the encoder's field %s is %s, documented as %s", field, got, typ)
		}
	}
}

// logFieldTable reads the field → type rows of the table under "JSON log fields".
func logFieldTable(t *testing.T) map[string]string {
	t.Helper()
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| ([a-z ]+) \\|")
	table := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(docsSection(t, "### JSON log fields"), -1) {
		table[m[1]] = m[2]
	}
	if len(table) < 10 {
		t.Fatalf("only %d rows in the log field table", len(table))
	}
	return table
}

// loggedFields finds every zap.X("name", …) in the module's non-test Go code (nested modules
// aside): field name → the constructors it is written with. zap.Error writes "error".
func loggedFields(t *testing.T) map[string]map[string]bool {
	t.Helper()
	found := map[string]map[string]bool{}
	add := func(field, ctor string) {
		if found[field] == nil {
			found[field] = map[string]bool{}
		}
		found[field][ctor] = true
	}
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != ".." || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != ".." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "zap" {
				return true
			}
			ctor := sel.Sel.Name
			if ctor == "Error" {
				add("error", ctor)
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			name, _ := strconv.Unquote(lit.Value)
			if _, known := sampleFields[ctor]; !known {
				t.Errorf("%s: zap.%s(%q): add the constructor to sampleFields", fset.Position(call.Pos()), ctor, name)
				return true
			}
			add(name, ctor)
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < 10 {
		t.Fatalf("only %d logged fields found", len(found))
	}
	return found
}

// logLine writes one line with the JSON logger serve uses and decodes it.
func logLine(t *testing.T, fields ...zap.Field) map[string]any {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Log.Format, cfg.Log.Level = "json", "info"
	var buf bytes.Buffer
	log, err := newLogger(&cfg, zapcore.AddSync(&buf))
	if err != nil {
		t.Fatal(err)
	}
	log.Info("sample", fields...)
	_ = log.Sync()
	line := map[string]any{}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	if err := dec.Decode(&line); err != nil {
		t.Fatalf("the JSON logger wrote %q: %v", buf.String(), err)
	}
	return line
}

// jsonTypeOf is the type the JSON logger gives field, named as the table names it.
func jsonTypeOf(t *testing.T, field zap.Field) string {
	t.Helper()
	return typeName(logLine(t, field)["f"])
}

// typeName names the JSON type of v, decoded with UseNumber: a number without a fraction or an
// exponent is an integer.
func typeName(v any) string {
	switch v := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if strings.ContainsAny(v.String(), ".eE") {
			return "number"
		}
		return "integer"
	case []any:
		if len(v) > 0 {
			return "array of " + typeName(v[0]) + "s"
		}
		return "array"
	}
	return "unknown"
}

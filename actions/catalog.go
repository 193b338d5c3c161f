// Package actions is Gladly's actions as this adaptor offers them: the catalog of buttons a
// DETAILED answer declares (on the customer, or on ORDER and SUBSCRIPTION transactions), the
// forms Gladly fetches for them, the validation of what an agent submits, and the Handler that
// carries a submission out — a webhook to an internal service, or a built-in one.
//
// It knows nothing of HTTP serving; package adaptor serves the two signed routes.
package actions

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Targets an action can be declared on.
const (
	TargetCustomer     = "customer"
	TargetOrder        = "ORDER"
	TargetSubscription = "SUBSCRIPTION"
)

// Catalog is the actions file (actions.file).
type Catalog struct {
	Actions []Action `yaml:"actions"`
}

// Action is one entry of the catalog: where its button shows, when, the form it opens and what
// runs on submit. An answer links it as a transactions.Action.
type Action struct {
	ID     string              `yaml:"id"`
	Name   string              `yaml:"name"`
	Target string              `yaml:"target"`
	When   map[string][]string `yaml:"when"`
	Form   Form                `yaml:"form"`
	Run    Run                 `yaml:"run"`
}

// Run says what carries a submission out: exactly one of a webhook URL or a built-in handler.
type Run struct {
	Webhook string `yaml:"webhook"`
	Builtin string `yaml:"builtin"`
}

// Form is Gladly's form definition, without actionUrl (the server adds it). Title, text
// sections and labels may hold {field} placeholders, filled from the target.
type Form struct {
	Title        string    `yaml:"title" json:"title"`
	SubmitButton string    `yaml:"submitButton" json:"submitButton,omitempty"`
	CloseButton  string    `yaml:"closeButton" json:"closeButton,omitempty"`
	ActionURL    string    `yaml:"-" json:"actionUrl"`
	Sections     []Section `yaml:"sections" json:"sections"`
}

// Section is a text section or an input section.
type Section struct {
	Type         string `yaml:"type" json:"type"`
	Text         string `yaml:"text" json:"text,omitempty"`
	Label        string `yaml:"label" json:"label,omitempty"`
	Attr         string `yaml:"attr" json:"attr,omitempty"`
	Hint         string `yaml:"hint" json:"hint,omitempty"`
	DefaultValue any    `yaml:"defaultValue" json:"defaultValue,omitempty"`
	Input        *Input `yaml:"input" json:"input,omitempty"`
}

// Input is an input section's control: text, select or checkbox.
type Input struct {
	Type        string   `yaml:"type" json:"type"`
	Placeholder string   `yaml:"placeholder" json:"placeholder,omitempty"`
	Optional    bool     `yaml:"optional" json:"optional,omitempty"`
	Text        string   `yaml:"text" json:"text,omitempty"`
	Options     []Option `yaml:"options" json:"options,omitempty"`
}

// Option is one choice of a select input.
type Option struct {
	Text  string `yaml:"text" json:"text"`
	Value string `yaml:"value" json:"value"`
}

var idPattern = regexp.MustCompile(`^[a-z0-9-]+$`)

// LoadCatalog reads and validates the catalog at path; builtins are the names run.builtin may
// use. Every problem is reported, each naming its action.
func LoadCatalog(path string, builtins []string) (*Catalog, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("actions.file: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("actions.file %s: %w", path, err)
	}
	if err := c.validate(builtins); err != nil {
		return nil, fmt.Errorf("actions.file %s: %w", path, err)
	}
	return &c, nil
}

// validate checks the catalog's shape; the errors name the action and the problem.
func (c *Catalog) validate(builtins []string) error {
	var errs []error
	seen := map[string]bool{}
	for i, a := range c.Actions {
		name := a.ID
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("action %s: %s", name, fmt.Sprintf(format, args...)))
		}
		switch {
		case !idPattern.MatchString(a.ID):
			bad("id must be lower-case letters, digits and -")
		case seen[a.ID]:
			bad("id is used twice")
		}
		seen[a.ID] = true
		if strings.TrimSpace(a.Name) == "" {
			bad("name is required")
		}
		if !slices.Contains([]string{TargetCustomer, TargetOrder, TargetSubscription}, a.Target) {
			bad("target %q is not customer, ORDER or SUBSCRIPTION", a.Target)
		}
		for field, values := range a.When {
			if len(values) == 0 {
				bad("when.%s lists no value", field)
			}
		}
		switch {
		case a.Run.Webhook == "" && a.Run.Builtin == "":
			bad("run needs a webhook or a builtin")
		case a.Run.Webhook != "" && a.Run.Builtin != "":
			bad("run has both a webhook and a builtin; give one")
		case a.Run.Builtin != "" && !slices.Contains(builtins, a.Run.Builtin):
			bad("run.builtin %q is not one of %s", a.Run.Builtin, strings.Join(builtins, ", "))
		case a.Run.Webhook != "" && !strings.HasPrefix(a.Run.Webhook, "http://") && !strings.HasPrefix(a.Run.Webhook, "https://"):
			bad("run.webhook %q is not an http(s) URL", redact(a.Run.Webhook))
		}
		for _, problem := range a.Form.problems() {
			bad("%s", problem)
		}
	}
	return errors.Join(errs...)
}

// problems lists what is wrong with a form.
func (f *Form) problems() []string {
	var out []string
	if strings.TrimSpace(f.Title) == "" {
		out = append(out, "form.title is required")
	}
	attrs := map[string]bool{}
	for i, s := range f.Sections {
		where := fmt.Sprintf("form.sections[%d]", i)
		switch s.Type {
		case "text":
			if s.Text == "" {
				out = append(out, where+": a text section needs text")
			}
		case "input":
			switch {
			case s.Attr == "":
				out = append(out, where+": an input needs an attr")
			case attrs[s.Attr]:
				out = append(out, fmt.Sprintf("%s: attr %q is used twice", where, s.Attr))
			}
			attrs[s.Attr] = true
			if s.Input == nil {
				out = append(out, where+": an input section needs input")
				continue
			}
			switch s.Input.Type {
			case "text", "checkbox":
			case "select":
				values := map[string]bool{}
				if len(s.Input.Options) == 0 {
					out = append(out, where+": a select needs options")
				}
				for _, o := range s.Input.Options {
					if o.Value == "" || values[o.Value] {
						out = append(out, fmt.Sprintf("%s: option values must be unique and non-empty (%q)", where, o.Value))
					}
					values[o.Value] = true
				}
			default:
				out = append(out, fmt.Sprintf("%s: input type %q is not text, select or checkbox", where, s.Input.Type))
			}
		default:
			out = append(out, fmt.Sprintf("%s: section type %q is not text or input", where, s.Type))
		}
	}
	return out
}

// For returns the actions declared on target, in catalog order.
func (c *Catalog) For(target string) []Action {
	if c == nil {
		return nil
	}
	var out []Action
	for _, a := range c.Actions {
		if a.Target == target {
			out = append(out, a)
		}
	}
	return out
}

// Find returns the action with the id.
func (c *Catalog) Find(id string) (Action, bool) {
	if c != nil {
		for _, a := range c.Actions {
			if a.ID == id {
				return a, true
			}
		}
	}
	return Action{}, false
}

// Applies reports whether every when condition holds for the target's fields.
func (a *Action) Applies(fields map[string]string) bool {
	for field, values := range a.When {
		if !slices.Contains(values, fields[field]) {
			return false
		}
	}
	return true
}

var placeholder = regexp.MustCompile(`\{([A-Za-z0-9_.]+)\}`)

// Render is the form for one target: placeholders filled from fields, actionURL set.
func (a *Action) Render(fields map[string]string, actionURL string) Form {
	fill := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string { return fields[m[1:len(m)-1]] })
	}
	f := a.Form
	f.Title, f.ActionURL = fill(f.Title), actionURL
	f.Sections = slices.Clone(f.Sections)
	for i := range f.Sections {
		f.Sections[i].Text = fill(f.Sections[i].Text)
		f.Sections[i].Label = fill(f.Sections[i].Label)
		f.Sections[i].Hint = fill(f.Sections[i].Hint)
	}
	return f
}

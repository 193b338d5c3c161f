package actions

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxTextLen is the longest text input accepted, in characters.
const MaxTextLen = 1000

// FieldError is a fixable problem with one submitted input (Gladly keeps the form open).
type FieldError struct {
	Attr   string `json:"attr,omitempty"`
	Detail string `json:"detail"`
}

// Validate checks a submission against the form before anything runs: every input is
// required unless its input is optional (a checkbox never is: unticked is false), required
// ones present and not empty, select values among the options, checkboxes booleans, text at
// most MaxTextLen characters. Keys the form does not have are ignored here (see OnForm).
func (f *Form) Validate(values map[string]any) []FieldError {
	var errs []FieldError
	for _, s := range f.Sections {
		if s.Type != "input" || s.Input == nil {
			continue
		}
		v, present := values[s.Attr]
		if v == nil {
			present = false
		}
		switch s.Input.Type {
		case "checkbox":
			if _, ok := v.(bool); present && !ok {
				errs = append(errs, FieldError{s.Attr, "must be true or false"})
			}
		case "select", "text":
			str, ok := v.(string)
			switch {
			case present && !ok:
				errs = append(errs, FieldError{s.Attr, "must be a string"})
			case strings.TrimSpace(str) == "":
				if !s.Input.Optional {
					errs = append(errs, FieldError{s.Attr, "is required"})
				}
			case s.Input.Type == "select" && !slices.ContainsFunc(s.Input.Options, func(o Option) bool { return o.Value == str }):
				errs = append(errs, FieldError{s.Attr, "is not one of the options"})
			case utf8.RuneCountInString(str) > MaxTextLen:
				errs = append(errs, FieldError{s.Attr, fmt.Sprintf("is longer than %d characters", MaxTextLen)})
			}
		}
	}
	return errs
}

// OnForm returns the values of the form's inputs only: a key the form does not have is not
// passed on to a handler.
func (f *Form) OnForm(values map[string]any) map[string]any {
	out := make(map[string]any, len(values))
	for _, s := range f.Sections {
		if v, ok := values[s.Attr]; ok && s.Type == "input" {
			out[s.Attr] = v
		}
	}
	return out
}

// TransactionRef names the transaction an action is on.
type TransactionRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Submission is a validated submission, as a Handler receives it.
type Submission struct {
	Action             string          `json:"action"`
	ExternalCustomerID string          `json:"externalCustomerId"`
	Transaction        *TransactionRef `json:"transaction"`
	Values             map[string]any  `json:"values"`
	CorrelationID      string          `json:"correlationId"`
}

// Outcome is what a Handler made of a submission: with Errors, fixable problems (400, the form
// stays open); without, success (200) with Message for the agent.
type Outcome struct {
	Message string
	Errors  []FieldError
}

// Handler carries out a submission. Run honours ctx's deadline (actions.timeout) and is safe
// for concurrent use. An error means the action failed or no longer applies (406, the form
// closes): the agent sees a generic detail, the error goes to the log only.
type Handler interface {
	Run(ctx context.Context, s Submission) (Outcome, error)
}

// builtins are the handlers that need no other service, by the name run.builtin gives them.
var builtins = map[string]Handler{
	"acknowledge": acknowledge{},
}

// Builtin returns the built-in handler of that name (run.builtin), and false when there is none.
func Builtin(name string) (Handler, bool) {
	h, ok := builtins[name]
	return h, ok
}

// BuiltinNames are the built-in handlers' names, sorted.
func BuiltinNames() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// acknowledge accepts every valid submission and changes nothing: the demo catalog's handler,
// so that the whole flow can be tried without another service.
type acknowledge struct{}

func (acknowledge) Run(_ context.Context, s Submission) (Outcome, error) {
	what := "the customer"
	if s.Transaction != nil {
		what = s.Transaction.Type + " " + s.Transaction.ID
	}
	return Outcome{Message: fmt.Sprintf("Done: %s for %s (a demo; nothing was changed).", s.Action, what)}, nil
}

package adaptor

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/actions"
	"github.com/lookup-adaptor/lookup-adaptor/internal/text"
	"github.com/lookup-adaptor/lookup-adaptor/store"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// The two action request kinds, beside the three lookups.
const (
	ActionForm   LookupKind = "action_form"
	ActionSubmit LookupKind = "action_submit"
)

// Actions configure the actions a server offers (actions.*).
type Actions struct {
	// Catalog declares them; nil offers none.
	Catalog *actions.Catalog
	// Handlers carry out each action's submissions, by action id.
	Handlers map[string]actions.Handler
	// PublicURL is the origin Gladly calls (server.public_url); empty makes the form and
	// action URLs root-relative.
	PublicURL string
	// Timeout bounds a handler's run (actions.timeout).
	Timeout time.Duration
}

// DefaultActionTimeout is actions.timeout's default: Gladly wants answers in under 5 s.
const DefaultActionTimeout = 4 * time.Second

// txIDField names the field that identifies a transaction an action can target.
var txIDField = map[string]string{actions.TargetOrder: "orderNumber", actions.TargetSubscription: "subscriptionId"}

// actionPath is the path, under server.path, of an action on a customer (tx nil) or on one of
// its transactions; step is "form" or "submit".
func (s *Server) actionPath(id, customer string, tx *actions.TransactionRef, step string) string {
	p := s.opts.Path + "/actions/" + url.PathEscape(id) + "/customers/" + url.PathEscape(customer)
	if tx != nil {
		p += "/transactions/" + url.PathEscape(tx.Type) + "/" + url.PathEscape(tx.ID)
	}
	return strings.TrimSuffix(s.opts.Actions.PublicURL, "/") + p + "/" + step
}

// customerFields are what a profile action's conditions and placeholders read.
func customerFields(c *store.Customer) map[string]string {
	fields := map[string]string{"externalCustomerId": c.ExternalID, "name": c.Name, "address": c.Address}
	for name, v := range c.CustomAttributes {
		fields[name] = v.String()
	}
	return fields
}

// txFields reads a transaction's flat fields and its id, for the actions that target its type;
// ok is false when no action can be on it.
func txFields(tx transactions.Transaction) (fields map[string]string, id string, ok bool) {
	idField, targetable := txIDField[string(tx.Type())]
	if !targetable {
		return nil, "", false
	}
	var all map[string]any
	if json.Unmarshal(tx.Wire(), &all) != nil {
		return nil, "", false
	}
	fields = map[string]string{}
	for k, v := range all {
		if s, isString := v.(string); isString {
			fields[k] = s
		}
	}
	id = fields[idField]
	return fields, id, id != ""
}

// profileActions are the actions a DETAILED answer lists on the customer.
func (s *Server) profileActions(c *store.Customer) []transactions.Action {
	var out []transactions.Action
	fields := customerFields(c)
	for _, a := range s.opts.Actions.Catalog.For(actions.TargetCustomer) {
		if a.Applies(fields) {
			out = append(out, transactions.Action{Name: a.Name, FormURL: s.actionPath(a.ID, c.ExternalID, nil, "form")})
		}
	}
	return out
}

// txWire is a transaction's wire form with the actions that apply to it added.
func (s *Server) txWire(customer string, tx transactions.Transaction) []byte {
	wire := tx.Wire()
	list := s.opts.Actions.Catalog.For(string(tx.Type()))
	if len(list) == 0 {
		return wire
	}
	fields, id, ok := txFields(tx)
	if !ok {
		return wire
	}
	var links []transactions.Action
	ref := &actions.TransactionRef{Type: string(tx.Type()), ID: id}
	for _, a := range list {
		if a.Applies(fields) {
			links = append(links, transactions.Action{Name: a.Name, FormURL: s.actionPath(a.ID, customer, ref, "form")})
		}
	}
	if len(links) == 0 {
		return wire
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(wire, &obj) != nil {
		return wire
	}
	var existing []json.RawMessage
	_ = json.Unmarshal(obj["actions"], &existing) // the system of record's own actions stay
	for _, l := range links {
		b, _ := json.Marshal(l)
		existing = append(existing, b)
	}
	obj["actions"], _ = json.Marshal(existing)
	out, err := json.Marshal(obj)
	if err != nil {
		return wire
	}
	return out
}

// errNotApplicable is the 406 of an action request whose action, customer or transaction is
// unknown, or whose conditions no longer hold.
func errNotApplicable(detail string) error {
	return &Error{Kind: KindNotAcceptable, Detail: detail}
}

// actionTarget resolves an action request's path: the action, the customer, the transaction
// (nil for a profile action), and the fields its conditions and placeholders read.
func (s *Server) actionTarget(c echo.Context) (actions.Action, *actions.TransactionRef, string, map[string]string, error) {
	param := func(name string) string {
		v, err := url.PathUnescape(c.Param(name))
		if err != nil {
			return ""
		}
		return v
	}
	a, ok := s.opts.Actions.Catalog.Find(param("action"))
	if !ok {
		return a, nil, "", nil, errNotApplicable("there is no such action")
	}
	c.Set(actionIDKey, a.ID)
	customer := param("customer")
	cust, err := s.opts.Store.Customer(c.Request().Context(), customer, s.opts.MaxTransactions)
	if errors.Is(err, store.ErrNotFound) {
		return a, nil, "", nil, errNotApplicable("the customer is not known")
	}
	if err != nil {
		return a, nil, "", nil, storeFailure(c.Request().Context(), err)
	}
	fields := customerFields(&cust)
	var ref *actions.TransactionRef
	if txType := param("type"); txType != "" || a.Target != actions.TargetCustomer {
		if txType != a.Target {
			return a, nil, "", nil, errNotApplicable("the action is not one for this transaction")
		}
		want := param("tx")
		found := false
		for _, tx := range cust.Transactions {
			if f, id, ok := txFields(tx); ok && string(tx.Type()) == txType && id == want {
				fields, found = f, true
				break
			}
		}
		if !found {
			return a, nil, "", nil, errNotApplicable("the transaction is not known")
		}
		ref = &actions.TransactionRef{Type: txType, ID: want}
	}
	if !a.Applies(fields) {
		return a, nil, "", nil, errNotApplicable("the action no longer applies")
	}
	return a, ref, cust.ExternalID, fields, nil
}

// actionIDKey is where the request log finds the action id.
const actionIDKey = "adaptor.action"

// actionForm answers Gladly's signed GET of a form: the form with its placeholders filled and
// its actionUrl.
func (s *Server) actionForm(c echo.Context) error {
	c.Set(lookupKindKey, ActionForm)
	a, ref, customer, fields, err := s.actionTarget(c)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, a.Render(fields, s.actionPath(a.ID, customer, ref, "submit")))
}

// actionSubmit answers Gladly's signed POST of a form: validated against the form, then carried
// out by the action's handler within actions.timeout.
func (s *Server) actionSubmit(c echo.Context) error {
	c.Set(lookupKindKey, ActionSubmit)
	a, ref, customer, _, err := s.actionTarget(c)
	if err != nil {
		return err
	}
	var values map[string]any
	if err := json.Unmarshal(requestBody(c), &values); err != nil || values == nil {
		return &Error{Kind: KindInvalid, Detail: "the body must be one JSON object of the form's inputs, and nothing after it"}
	}
	values = a.Form.OnForm(values)
	if errs := a.Form.Validate(values); len(errs) > 0 {
		return writeJSON(c, http.StatusBadRequest, actionErrors{errs})
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.opts.Actions.Timeout)
	defer cancel()
	out, err := s.opts.Actions.Handlers[a.ID].Run(ctx, actions.Submission{
		Action: a.ID, ExternalCustomerID: customer, Transaction: ref, Values: values,
		CorrelationID: text.Truncate(c.Request().Header.Get("Gladly-Correlation-Id"), maxLoggedID),
	})
	switch {
	case err != nil:
		s.log.Warn("action failed", zap.String("action", a.ID), zap.String("error", text.Truncate(err.Error(), maxLoggedError)))
		return &Error{Kind: KindNotAcceptable, Cause: err}
	case len(out.Errors) > 0:
		return writeJSON(c, http.StatusBadRequest, actionErrors{out.Errors})
	}
	msg := out.Message
	if msg == "" {
		msg = a.Name + ": done."
	}
	return writeJSON(c, http.StatusOK, struct {
		Message string `json:"message"`
	}{msg})
}

// actionErrors is a submission's 400: the fixable errors, each naming its input.
type actionErrors struct {
	Errors []actions.FieldError `json:"errors"`
}

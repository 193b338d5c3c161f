// Package store is the system-of-record contract the lookups are answered from: the Customer
// they return, the queries the three lookups ask, and the Store interface a backend implements.
//
// Backends live in subpackages (store/sqlite, store/postgres, store/memory) and each must pass
// the conformance suite in store/storetest. To plug in another system of record, implement
// Store, run storetest.Run against it, and serve it from a program of your own that calls
// cli.Main with a Backend opening it (docs/stores.md). The server calls the optional
// interfaces below where the store implements them, and io.Closer when it stops.
//
// Query values arrive normalised — emails by NormalizeEmail, phones to E.164 by a Normalizer,
// name words by NameWords — and a backend compares them with its customers' values normalised
// the same way.
package store

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/lookup-adaptor/lookup-adaptor/scalar"
	"github.com/lookup-adaptor/lookup-adaptor/transactions"
)

// ErrNotFound is returned (wrapped) by Store.Customer when no customer has the id.
var ErrNotFound = errors.New("store: customer not found")

// PhoneType is the kind of a phone number, as Gladly names it.
type PhoneType string

// The phone types Gladly accepts.
const (
	Mobile PhoneType = "MOBILE"
	Home   PhoneType = "HOME"
	Office PhoneType = "OFFICE"
	Other  PhoneType = "OTHER"
)

// Phone is a customer's phone number.
type Phone struct {
	// Original is the number as the system of record holds it.
	Original string
	// E164 is the number normalised to E.164, or "" when it does not parse. Backends that know
	// it set it; otherwise the answer is normalised on the way out.
	E164 string
	// Type is MOBILE, HOME, OFFICE or OTHER.
	Type PhoneType
}

// Customer is one customer of the system of record.
type Customer struct {
	// ExternalID is the system of record's id (Gladly's externalCustomerId); never empty.
	ExternalID string
	Name       string
	Address    string
	Emails     []string
	Phones     []Phone
	// CustomAttributes are flat scalars; Gladly shows them as columns and on the profile.
	CustomAttributes map[string]scalar.Scalar
	// Transactions, newest first; filled only by Store.Customer.
	Transactions []transactions.Transaction
	// Profile, when not nil, is this customer's profile as the answer package rendered it when
	// the backend stored the customer (answer.Stored), which an answer then copies; a backend
	// that keeps no rendering leaves it nil, and the answer renders the fields above.
	Profile []byte
}

// Link is the auto-link query: customers sharing any of Emails or any of Phones.
type Link struct {
	Emails []string // normalised by NormalizeEmail
	Phones []string // E.164
	Limit  int      // at most this many customers; always at least 1
}

// Search is the basic-search query: a customer matches only if every non-empty field matches.
type Search struct {
	ExternalID string // exact
	Email      string // normalised by NormalizeEmail
	Phone      string // E.164
	// NameWords are lower-case prefixes (from NameWords); each must begin some word of the
	// customer's name.
	NameWords []string
	// Identifiers maps a transaction identifier field (see transactions.IdentifierFields) to a
	// value; the customer must own a transaction with that value there.
	Identifiers map[string]string
	// Attributes maps a custom attribute name to a value, compared case-insensitively with the
	// attribute's string form.
	Attributes map[string]string
	Limit      int // at most this many customers; always at least 1
}

// IsEmpty reports whether s has no field to search by; such a search finds nobody.
func (s Search) IsEmpty() bool {
	return s.ExternalID == "" && s.Email == "" && s.Phone == "" && len(s.NameWords) == 0 &&
		len(s.Identifiers) == 0 && len(s.Attributes) == 0
}

// Store is the system of record. Implementations are safe for concurrent use, honour ctx
// cancellation and deadlines (returning an error wrapping ctx.Err()), and return results in a
// deterministic order. Errors other than ErrNotFound mean the store could not answer.
type Store interface {
	// Link returns the customers sharing any of q's emails or phones, without transactions:
	// those matching both an email and a phone first, then by ExternalID. An empty q finds
	// nobody.
	Link(ctx context.Context, q Link) ([]Customer, error)

	// Search returns the customers matching every field of q, without transactions, ordered by
	// ExternalID. An empty q finds nobody.
	Search(ctx context.Context, q Search) ([]Customer, error)

	// Customer returns the customer with the external id, with at most maxTransactions of its
	// transactions, newest first. An unknown id returns an error wrapping ErrNotFound.
	Customer(ctx context.Context, externalID string, maxTransactions int) (Customer, error)
}

// Pinger is implemented by stores that can report whether they are reachable.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Replicated is implemented by stores that read lookups from several databases (a primary and
// its standbys): how each reader stands, for the metrics.
type Replicated interface {
	Readers() []ReaderState
}

// ReaderState is how one reader of a Replicated store stands.
type ReaderState struct {
	Name   string        // where it is (host:port), never a credential
	Up     bool          // whether lookups read from it
	Lag    time.Duration // how long it has had changes it has not applied; 0 when caught up
	Reason string        // why it is out, when it is
}

// Migrator is implemented by stores with a schema to create or upgrade; serve and migrate call
// it before anything else.
type Migrator interface {
	// Migrate applies what the schema lacks and returns how many steps it applied.
	Migrate(ctx context.Context) (int, error)
}

// Loader is implemented by stores that can be seeded (lookup-adaptor seed and delete).
type Loader interface {
	// Load applies every record records yields as one unit. A customer record is upserted,
	// keyed by ExternalID; one whose stored data is already identical is left untouched. A
	// tombstone (Record.Deleted) removes the customer and every way of finding it. With
	// opts.Replace, every stored customer that no record names is removed as well: the records
	// are the whole truth. Two records with the same ExternalID are an error naming both
	// places (see DuplicateError). If records yields any error, or the store fails, nothing is
	// written and the errors are returned (joined). Lookups running meanwhile see each customer
	// either as it was or as it becomes, never a mix.
	Load(ctx context.Context, records Records, opts LoadOptions) (LoadStats, error)
}

// LoadOptions modify a Load.
type LoadOptions struct {
	// Replace removes the customers no record names (seed --replace).
	Replace bool
	// MaxDelete bounds the customers Replace may remove; a Load that would remove more writes
	// nothing and returns a *TooManyDeletesError.
	MaxDelete DeleteLimit
}

// DeleteLimit bounds how many stored customers a Replace may remove: the larger of Count and
// Percent of the customers stored before the load (seed --max-delete). The zero value is the
// default rule, 10% or 1,000, whichever is larger, so that a full sync of a small store works
// and a cut-off file cannot empty a large one; Percent 100 allows any.
type DeleteLimit struct {
	Count   int
	Percent float64
}

// Max is how many of stored customers l lets a Replace remove.
func (l DeleteLimit) Max(stored int) int {
	if l == (DeleteLimit{}) {
		l = DeleteLimit{Count: 1000, Percent: 10}
	}
	if l.Percent >= 100 {
		return stored
	}
	return max(l.Count, int(float64(stored)*l.Percent/100))
}

// Check returns a *TooManyDeletesError when removing n of stored customers is more than l
// allows.
func (l DeleteLimit) Check(n, stored int) error {
	if limit := l.Max(stored); n > limit {
		return &TooManyDeletesError{Would: n, Stored: stored, Max: limit}
	}
	return nil
}

// TooManyDeletesError is a Replace refused because it would remove more customers than its
// DeleteLimit allows; nothing was written.
type TooManyDeletesError struct {
	Would, Stored, Max int
}

func (e *TooManyDeletesError) Error() string {
	return fmt.Sprintf("store: the replace would delete %d of the %d stored customers, more than the %d its limit allows", e.Would, e.Stored, e.Max)
}

// LoadStats reports what a Load did.
type LoadStats struct {
	Read      int // records read, tombstones included
	Added     int // customers that were not stored before
	Changed   int // stored customers whose data changed
	Unchanged int // stored customers already identical
	Deleted   int // customers removed, by a tombstone or by Replace
	// Unknown counts tombstones naming no stored customer; UnknownIDs holds the first
	// MaxReportedIDs of them.
	Unknown    int
	UnknownIDs []string
}

// MaxReportedIDs bounds LoadStats.UnknownIDs.
const MaxReportedIDs = 20

// Tombstone records a tombstone naming no stored customer in s.
func (s *LoadStats) Tombstone(id string) {
	s.Unknown++
	if len(s.UnknownIDs) < MaxReportedIDs {
		s.UnknownIDs = append(s.UnknownIDs, id)
	}
}

// Exporter is implemented by stores that can list everything they hold (lookup-adaptor
// export).
type Exporter interface {
	// Export yields every customer, with all its transactions newest first, ordered by
	// ExternalID, from one consistent view of the store. A consumer may stop early.
	Export(ctx context.Context) iter.Seq2[Customer, error]
}

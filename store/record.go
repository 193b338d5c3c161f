package store

import (
	"fmt"
	"iter"
)

// Record is one entry of a seed: a customer to upsert or, when Deleted, a tombstone naming the
// customer to remove (only Customer.ExternalID is set).
type Record struct {
	Customer Customer
	Deleted  bool
	// Place is where the record stands ("demo.json: record 3", "big.jsonl:17"), for errors.
	Place string
}

// Records yields seed records in order, or errors naming the record at fault; a consumer may
// stop early.
type Records = iter.Seq2[Record, error]

// RecordError is a bad seed record: its file, its place (Line in a .jsonl file, Index in a .json
// array) and the field at fault.
type RecordError struct {
	File  string
	Line  int // 1-based; 0 when the file is a JSON array
	Index int // 0-based position in the JSON array
	Field string
	Msg   string
}

func (e *RecordError) Error() string {
	place := Place(e.File, e.Line, e.Index)
	if e.Field != "" {
		return place + ": " + e.Field + ": " + e.Msg
	}
	return place + ": " + e.Msg
}

// Place names a record: file:line in a .jsonl file (line > 0), its index in a .json array.
func Place(file string, line, index int) string {
	if line > 0 {
		return fmt.Sprintf("%s:%d", file, line)
	}
	return fmt.Sprintf("%s: record %d", file, index)
}

// DuplicateError is the error for a record whose ExternalID an earlier record of the same load
// (at first) already named.
func DuplicateError(r Record, first string) error {
	return fmt.Errorf("%s: externalCustomerId %q appears again (first at %s); a load names each customer once",
		r.Place, r.Customer.ExternalID, first)
}

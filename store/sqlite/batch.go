package sqlite

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"
)

// batchRows is how many rows one batched INSERT writes: 200 rows of at most 5 columns stay far
// under SQLite's limit on bound variables.
const batchRows = 200

// batcher collects the rows of one INSERT and writes them batchRows at a time, so that a load
// crosses into SQLite once per batch rather than once per row. A load flushes every batcher
// before anything reads or deletes what they hold.
type batcher struct {
	tx   *sqlx.Tx
	head string // "INSERT … INTO table (columns) VALUES "
	cols int
	args []any
	full *sqlx.Stmt // the statement of a full batch, prepared on first use
}

func newBatcher(tx *sqlx.Tx, head string, cols int) *batcher {
	return &batcher{tx: tx, head: head, cols: cols, args: make([]any, 0, cols*batchRows)}
}

// add queues one row, writing the batch when it is full.
func (b *batcher) add(ctx context.Context, row ...any) error {
	b.args = append(b.args, row...)
	if len(b.args) == b.cols*batchRows {
		return b.flush(ctx)
	}
	return nil
}

// flush writes the queued rows.
func (b *batcher) flush(ctx context.Context) error {
	n := len(b.args) / b.cols
	if n == 0 {
		return nil
	}
	defer func() { b.args = b.args[:0] }()
	if n < batchRows {
		_, err := b.tx.ExecContext(ctx, b.sql(n), b.args...)
		return err
	}
	if b.full == nil {
		st, err := b.tx.PreparexContext(ctx, b.sql(batchRows))
		if err != nil {
			return err
		}
		b.full = st
	}
	_, err := b.full.ExecContext(ctx, b.args...)
	return err
}

// sql is the INSERT of n rows.
func (b *batcher) sql(n int) string {
	row := "(" + strings.Repeat("?, ", b.cols-1) + "?)"
	return b.head + strings.Repeat(row+", ", n-1) + row
}

// close releases the prepared statement.
func (b *batcher) close() {
	if b.full != nil {
		b.full.Close()
	}
}

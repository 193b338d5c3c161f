-- Transactions keyed by their rowid, customer_id << 24 | seq (txkey.go), so that a customer's
-- transactions are one range of a B-tree whose interior pages hold only integers. Keyed by
-- (customer_id, seq) WITHOUT ROWID, the interior pages held whole rows, and a detailed lookup
-- read a third more pages.
CREATE TABLE transactions_by_rowid (
  id        INTEGER PRIMARY KEY,
  type      TEXT NOT NULL,
  sort_time INTEGER NOT NULL,
  wire      TEXT NOT NULL
);

INSERT INTO transactions_by_rowid (id, type, sort_time, wire)
  SELECT (customer_id << 24) | seq, type, sort_time, wire FROM transactions ORDER BY customer_id, seq;

DROP TABLE transactions;

ALTER TABLE transactions_by_rowid RENAME TO transactions;

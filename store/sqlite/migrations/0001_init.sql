-- Customers, with what an answer needs in details (emails, phones, custom attributes; the
-- encoding is in details.go).
CREATE TABLE customers (
  id          INTEGER PRIMARY KEY,
  external_id TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  address     TEXT NOT NULL,
  details     BLOB NOT NULL,
  fingerprint TEXT NOT NULL
);

-- One table per way of finding a customer; each key leads its primary key, so every lookup is
-- an index seek. Rows are removed by their exact keys when a customer changes.
CREATE TABLE customer_emails (
  email       TEXT NOT NULL,
  customer_id INTEGER NOT NULL,
  PRIMARY KEY (email, customer_id)
) WITHOUT ROWID;

CREATE TABLE customer_phones (
  phone       TEXT NOT NULL,
  customer_id INTEGER NOT NULL,
  PRIMARY KEY (phone, customer_id)
) WITHOUT ROWID;

CREATE TABLE customer_name_words (
  word        TEXT NOT NULL,
  customer_id INTEGER NOT NULL,
  PRIMARY KEY (word, customer_id)
) WITHOUT ROWID;

-- A name prefix is common (every "Ada"), so when another field narrows a search first, each
-- candidate's words are checked through this index instead.
CREATE INDEX customer_name_words_by_customer ON customer_name_words (customer_id, word);

CREATE TABLE customer_attributes (
  name        TEXT NOT NULL,
  value       TEXT NOT NULL,
  customer_id INTEGER NOT NULL,
  PRIMARY KEY (name, value, customer_id)
) WITHOUT ROWID;

CREATE TABLE transaction_identifiers (
  field       TEXT NOT NULL,
  value       TEXT NOT NULL,
  customer_id INTEGER NOT NULL,
  PRIMARY KEY (field, value, customer_id)
) WITHOUT ROWID;

-- Transactions in their wire form; seq is the rank newest first, so reading them in order is a
-- range of the primary key.
CREATE TABLE transactions (
  customer_id INTEGER NOT NULL,
  seq         INTEGER NOT NULL,
  type        TEXT NOT NULL,
  sort_time   INTEGER NOT NULL,
  wire        TEXT NOT NULL,
  PRIMARY KEY (customer_id, seq)
) WITHOUT ROWID;

-- Customers keyed by their external id (a natural key: nothing relies on a sequence), with what
-- an answer needs in details (the encoding is store/sqlshared's). COLLATE "C" makes ordering and
-- prefix ranges byte order, the same as the SQLite backend's and Go's.
CREATE TABLE customers (
  external_id TEXT COLLATE "C" PRIMARY KEY,
  name        TEXT NOT NULL,
  address     TEXT NOT NULL,
  details     BYTEA NOT NULL,
  fingerprint TEXT NOT NULL
);

-- One table per way of finding a customer; each key leads its primary key, so every lookup is
-- an index scan, and each is indexed by customer_id, by which a changed or deleted customer's
-- rows are removed.
CREATE TABLE customer_emails (
  email       TEXT COLLATE "C" NOT NULL,
  customer_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (email, customer_id)
);
CREATE INDEX customer_emails_by_customer ON customer_emails (customer_id);

CREATE TABLE customer_phones (
  phone       TEXT COLLATE "C" NOT NULL,
  customer_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (phone, customer_id)
);
CREATE INDEX customer_phones_by_customer ON customer_phones (customer_id);

CREATE TABLE customer_name_words (
  word        TEXT COLLATE "C" NOT NULL,
  customer_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (word, customer_id)
);
CREATE INDEX customer_name_words_by_customer ON customer_name_words (customer_id, word);

CREATE TABLE customer_attributes (
  name        TEXT COLLATE "C" NOT NULL,
  value       TEXT COLLATE "C" NOT NULL,
  customer_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (name, value, customer_id)
);
CREATE INDEX customer_attributes_by_customer ON customer_attributes (customer_id);

CREATE TABLE transaction_identifiers (
  field       TEXT COLLATE "C" NOT NULL,
  value       TEXT COLLATE "C" NOT NULL,
  customer_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (field, value, customer_id)
);
CREATE INDEX transaction_identifiers_by_customer ON transaction_identifiers (customer_id);

-- Transactions in their wire form; seq is the rank newest first.
CREATE TABLE transactions (
  customer_id TEXT COLLATE "C" NOT NULL,
  seq         INTEGER NOT NULL,
  type        TEXT NOT NULL,
  sort_time   BIGINT NOT NULL,
  wire        TEXT NOT NULL,
  PRIMARY KEY (customer_id, seq)
);

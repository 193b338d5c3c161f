-- A customer's transactions in chunks of 64, newest first, each chunk one row holding its part
-- of the transactions column already rendered: items "seq US type US sort_time US wire" joined
-- by RS (sqlshared). The rowid is customer_id << 24 | chunk (txkey.go), so a detailed lookup
-- reads one row instead of twenty, and the database stops walking a row per transaction.
CREATE TABLE transaction_chunks (
  id  INTEGER PRIMARY KEY,
  txs TEXT NOT NULL
);

INSERT INTO transaction_chunks (id, txs)
  SELECT ((id >> 24) << 24) | ((id & 16777215) / 64),
         group_concat((id & 16777215) || char(31) || type || char(31) || sort_time || char(31) || wire, char(30))
  FROM transactions GROUP BY 1;

DROP TABLE transactions;

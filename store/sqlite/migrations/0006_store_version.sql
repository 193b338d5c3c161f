-- A number every load that changes anything increases, in the same transaction as its changes,
-- so that a process can tell whether a customer it read earlier is still as the store holds it
-- (recent.go).
CREATE TABLE store_version (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);

INSERT INTO store_version (id, version) VALUES (1, 0);

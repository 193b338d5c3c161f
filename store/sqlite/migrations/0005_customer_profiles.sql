-- Each customer's profile as an answer holds it, rendered when the customer is loaded
-- (answer.Stored), so that a lookup copies it instead of encoding JSON. NULL until the customer
-- is loaded again: the loader's fingerprint names the rendering, so the next seed fills it in,
-- and until then the answer is rendered per lookup, the same bytes.
ALTER TABLE customers ADD COLUMN profile BLOB;

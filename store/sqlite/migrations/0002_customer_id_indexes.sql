-- Index rows are removed by customer_id (a changed or deleted customer loses every row it had,
-- whatever today's normalisation rules would derive), so each key table is indexed by it.
-- customer_name_words already is (customer_name_words_by_customer).
CREATE INDEX customer_emails_by_customer ON customer_emails (customer_id);
CREATE INDEX customer_phones_by_customer ON customer_phones (customer_id);
CREATE INDEX customer_attributes_by_customer ON customer_attributes (customer_id);
CREATE INDEX transaction_identifiers_by_customer ON transaction_identifiers (customer_id);

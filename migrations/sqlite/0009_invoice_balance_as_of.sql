-- The balance rule for sources that state an invoice's balance as of a day (spreadsheets): the
-- balance as the file said it and that day. balance_minor is derived from them and the source's
-- payments (applied later moves it; see core::source::settled_balance). NULL for sources that
-- keep balance_minor current themselves (QuickBooks, Xero, the sample).
ALTER TABLE invoices ADD COLUMN stated_balance_minor INTEGER;
ALTER TABLE invoices ADD COLUMN balance_as_of TEXT;
-- Whether a source has any such invoice, answered without reading the others.
CREATE INDEX invoices_stated ON invoices (source) WHERE balance_as_of IS NOT NULL;

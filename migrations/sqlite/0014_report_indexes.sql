-- Reports at scale: the sums they need read from indexes alone.
-- Sales by month (DSO's countback, CEI) read invoice date, currency, status and total from the
-- index instead of visiting a million rows; it serves every lookup by invoice date as before.
DROP INDEX invoices_issued;
CREATE INDEX invoices_issued ON invoices (issued, currency, status, total_minor);
-- What was open on a past date: the applications after that date, summed per invoice, from the
-- index alone.
DROP INDEX applications_applied_on;
CREATE INDEX applications_applied_on ON applications (applied_on, invoice_id, amount_minor);

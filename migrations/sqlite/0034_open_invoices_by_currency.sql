-- Aging sums each customer's open invoices per currency (GROUP BY customer, currency). With the
-- currency after the due date in the open invoices' partial index, SQLite sorted every open
-- invoice in a temp B-tree to group them; with the currency right after the customer, the
-- index's own order is the grouping's and the sums stream down it (aging's statement on a
-- 1,000,000-invoice ledger from 0.20 s to 0.18 s of CPU with the other changes of the same day).
-- Same name, same columns, the customer still first: the card's lookups and the digest's sums per
-- customer read it as before; what wanted the due order sorts the rows it reads, as it did.
DROP INDEX invoices_open;
CREATE INDEX invoices_open ON invoices
    (customer_id, currency, due, issued, balance_minor, retainage_minor, job_id, status, number, kind, total_minor)
    WHERE balance_minor > 0 AND status = 'open';
ANALYZE invoices_open;

-- Promises name the invoices they pay (none: the oldest first) and may carry a note. Whether a
-- promise was kept is derived from the cash applied, never stored; `status` records only what a
-- person did (open or cancelled).
ALTER TABLE promises ADD COLUMN note TEXT;
ALTER TABLE promises ADD COLUMN cancelled_by TEXT;
ALTER TABLE promises ADD COLUMN cancelled_at TEXT;

CREATE TABLE promise_invoices (
    promise_id INTEGER NOT NULL REFERENCES promises (id),
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    PRIMARY KEY (promise_id, invoice_id)
);

-- How a dispute was resolved, and by whom.
ALTER TABLE disputes ADD COLUMN resolved_by TEXT;
ALTER TABLE disputes ADD COLUMN outcome TEXT;
ALTER TABLE disputes ADD COLUMN resolution_note TEXT;

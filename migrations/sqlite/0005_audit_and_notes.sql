-- The audit trail: every change a person makes from chat or the command line, who made it, when,
-- from where, and the value before and after. Written with the change, in its transaction, and
-- kept for good: the triggers below refuse to update or delete a record.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor_id    TEXT    NOT NULL,
    actor_name  TEXT    NOT NULL,
    surface     TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    -- No foreign keys: a record outlives what it describes.
    customer_id INTEGER,
    job_id      INTEGER,
    invoice_id  INTEGER,
    subject     TEXT    NOT NULL,
    before      TEXT,
    after       TEXT,
    -- A request's idempotency key (Discord's interaction id): one request, one record per action.
    key         TEXT,
    UNIQUE (key, action)
);
CREATE INDEX audit_log_customer ON audit_log (customer_id, at);
CREATE INDEX audit_log_job ON audit_log (job_id, at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit records are kept for good');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit records are kept for good');
END;

-- A note may ask for a follow-up on a day: the account then needs someone that day.
ALTER TABLE notes ADD COLUMN follow_up_on TEXT;
CREATE INDEX notes_follow_up ON notes (follow_up_on) WHERE follow_up_on IS NOT NULL;

-- The reminder ladder's memory. `reminder_lines`: which invoices each queued reminder asked for,
-- at which stage (its days from due), written in the same transaction as the email's outbox row;
-- an invoice is not asked again at a stage a standing reminder already asked it at (a reminder
-- the mail server refused for good does not count). `reminder_choices`: what a person decided
-- about an account's reminder on a day (skipped, or a subject and opening of their own).
CREATE TABLE reminder_lines (
    outbox_key  TEXT        NOT NULL,
    customer_id BIGINT      NOT NULL REFERENCES customers (id),
    day         DATE        NOT NULL,
    invoice_id  BIGINT      NOT NULL REFERENCES invoices (id),
    stage       TEXT        NOT NULL,
    stage_days  BIGINT      NOT NULL,
    PRIMARY KEY (outbox_key, invoice_id)
);
CREATE INDEX reminder_lines_customer ON reminder_lines (customer_id, invoice_id);

CREATE TABLE reminder_choices (
    customer_id BIGINT      NOT NULL REFERENCES customers (id),
    day         DATE        NOT NULL,
    skipped     BOOLEAN     NOT NULL DEFAULT FALSE,
    subject     TEXT,
    opening     TEXT,
    set_by      TEXT        NOT NULL,
    set_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (customer_id, day)
);

-- Letters to customers (a demand for payment, a final notice, a notice of intent to lien): each
-- draft as it was drawn, its PDF kept so the letter that was mailed can be shown again, and how and
-- when it went (certified mail with its tracking number, first-class mail, email, by hand).
CREATE TABLE letters (
    id           BIGSERIAL   PRIMARY KEY,
    customer_id  BIGINT      NOT NULL REFERENCES customers (id),
    job_id       BIGINT      REFERENCES jobs (id),
    kind         TEXT        NOT NULL,
    drafted_on   DATE        NOT NULL,
    amount_minor BIGINT      NOT NULL,
    currency     TEXT        NOT NULL,
    pay_by       DATE        NOT NULL,
    lien_due     DATE,
    subject      TEXT        NOT NULL,
    file_name    TEXT        NOT NULL,
    pdf          BYTEA       NOT NULL,
    drafted_by   TEXT        NOT NULL,
    drafted_at   TIMESTAMPTZ NOT NULL,
    sent_on      DATE,
    sent_how     TEXT,
    tracking     TEXT,
    sent_by      TEXT
);
CREATE INDEX letters_customer ON letters (customer_id, id);

-- Letters to customers (a demand for payment, a final notice, a notice of intent to lien): each
-- draft as it was drawn, its PDF kept so the letter that was mailed can be shown again, and how and
-- when it went (certified mail with its tracking number, first-class mail, email, by hand).
CREATE TABLE letters (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    job_id       INTEGER REFERENCES jobs (id),
    kind         TEXT    NOT NULL,
    drafted_on   TEXT    NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency     TEXT    NOT NULL,
    pay_by       TEXT    NOT NULL,
    lien_due     TEXT,
    subject      TEXT    NOT NULL,
    file_name    TEXT    NOT NULL,
    pdf          BLOB    NOT NULL,
    drafted_by   TEXT    NOT NULL,
    drafted_at   TEXT    NOT NULL,
    sent_on      TEXT,
    sent_how     TEXT,
    tracking     TEXT,
    sent_by      TEXT
);
CREATE INDEX letters_customer ON letters (customer_id, id);

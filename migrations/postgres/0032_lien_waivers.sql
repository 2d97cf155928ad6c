-- Lien waivers tracked per job and pay application (`/ar waiver`, `/ar waivers`): what the GC
-- asked for, the conditional waiver given, the payment that came in for it (matched from synced
-- payments applied to the job's invoices, or recorded by hand), and the unconditional waiver then
-- owed and given. Each waiver drafted is kept with its PDF, so the one that was mailed can be
-- shown again.
CREATE TABLE lien_waivers (
    id               BIGSERIAL PRIMARY KEY,
    job_id           BIGINT  NOT NULL REFERENCES jobs (id),
    customer_id      BIGINT  NOT NULL REFERENCES customers (id),
    pay_app          TEXT    NOT NULL,
    invoice_id       BIGINT  REFERENCES invoices (id),
    stage            TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    currency         TEXT    NOT NULL,
    amount_minor     BIGINT  NOT NULL,
    paid_minor       BIGINT  NOT NULL DEFAULT 0,
    through          DATE,
    requested_on     DATE,
    conditional_on   DATE,
    paid_on          DATE,
    unconditional_on DATE,
    created_by       TEXT    NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (job_id, pay_app)
);
CREATE INDEX lien_waivers_open ON lien_waivers (status, job_id);

-- Which synced (or recorded) payments paid which waiver, and how much of each.
CREATE TABLE lien_waiver_payments (
    waiver_id    BIGINT  NOT NULL REFERENCES lien_waivers (id),
    payment_id   BIGINT,
    invoice_id   BIGINT,
    received     DATE    NOT NULL,
    amount_minor BIGINT  NOT NULL,
    reference    TEXT,
    UNIQUE (waiver_id, payment_id, invoice_id)
);
CREATE INDEX lien_waiver_payments_payment ON lien_waiver_payments (payment_id);

CREATE TABLE lien_waiver_drafts (
    id           BIGSERIAL PRIMARY KEY,
    waiver_id    BIGINT  NOT NULL REFERENCES lien_waivers (id),
    kind         TEXT    NOT NULL,
    form         TEXT    NOT NULL,
    document     TEXT    NOT NULL,
    currency     TEXT    NOT NULL,
    amount_minor BIGINT  NOT NULL,
    drafted_on   DATE    NOT NULL,
    file_name    TEXT    NOT NULL,
    pdf          BYTEA   NOT NULL,
    drafted_by   TEXT    NOT NULL,
    drafted_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX lien_waiver_drafts_waiver ON lien_waiver_drafts (waiver_id, id);

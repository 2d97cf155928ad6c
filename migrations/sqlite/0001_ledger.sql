-- arbot schema, SQLite flavour. Money is INTEGER minor units plus a currency code (SQLite has no
-- decimal type: a NUMERIC column silently becomes REAL). Dates are ISO-8601 TEXT.
-- Source versions are unix microseconds (src_updated_at) with a tie-breaking sequence (src_seq).

CREATE TABLE sync_runs (
    id            INTEGER PRIMARY KEY,
    source        TEXT    NOT NULL,
    started_at    TEXT    NOT NULL,
    finished_at   TEXT,
    status        TEXT    NOT NULL DEFAULT 'running',
    detail        TEXT
);
CREATE INDEX sync_runs_source ON sync_runs (source, id);

CREATE TABLE sync_watermarks (
    source     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    watermark  TEXT NOT NULL,
    run_id     INTEGER NOT NULL,
    PRIMARY KEY (source, entity)
);

CREATE TABLE customers (
    id             INTEGER PRIMARY KEY,
    source         TEXT    NOT NULL,
    external_id    TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    kind           TEXT    NOT NULL DEFAULT 'other',
    email          TEXT,
    phone          TEXT,
    terms_days     INTEGER,
    pm             TEXT,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    src_updated_at INTEGER NOT NULL,
    src_seq        INTEGER NOT NULL DEFAULT 0,
    content_hash   INTEGER NOT NULL DEFAULT 0,
    deleted        BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (source, external_id)
);
CREATE INDEX customers_name ON customers (lower(name));

CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY,
    source          TEXT    NOT NULL,
    external_id     TEXT    NOT NULL,
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    name            TEXT    NOT NULL,
    city            TEXT,
    county          TEXT,
    state           TEXT,
    project_type    TEXT,
    our_role        TEXT,
    owner_name      TEXT,
    gc_name         TEXT,
    pm              TEXT,
    first_furnished TEXT,
    last_furnished  TEXT,
    noc_recorded    TEXT,
    noc_expires     TEXT,
    retainage_bp    INTEGER NOT NULL DEFAULT 0,
    src_updated_at  INTEGER NOT NULL,
    src_seq         INTEGER NOT NULL DEFAULT 0,
    content_hash    INTEGER NOT NULL DEFAULT 0,
    deleted         BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (source, external_id)
);
CREATE INDEX jobs_customer ON jobs (customer_id);

CREATE TABLE invoices (
    id              INTEGER PRIMARY KEY,
    source          TEXT    NOT NULL,
    external_id     TEXT    NOT NULL,
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    job_id          INTEGER REFERENCES jobs (id),
    number          TEXT    NOT NULL,
    kind            TEXT    NOT NULL DEFAULT 'progress',
    status          TEXT    NOT NULL DEFAULT 'open',
    issued          TEXT    NOT NULL,
    due             TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    total_minor     INTEGER NOT NULL,
    balance_minor   INTEGER NOT NULL,
    retainage_minor INTEGER NOT NULL DEFAULT 0,
    memo            TEXT,
    src_updated_at  INTEGER NOT NULL,
    src_seq         INTEGER NOT NULL DEFAULT 0,
    content_hash    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (source, external_id)
);
CREATE INDEX invoices_number ON invoices (number);
CREATE INDEX invoices_issued ON invoices (issued);
-- Open items are a small share of a large ledger: aging and customer summaries read only these.
CREATE INDEX invoices_open ON invoices (customer_id, due) WHERE balance_minor > 0 AND status = 'open';

CREATE TABLE credit_memos (
    id              INTEGER PRIMARY KEY,
    source          TEXT    NOT NULL,
    external_id     TEXT    NOT NULL,
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    number          TEXT    NOT NULL,
    issued          TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    total_minor     INTEGER NOT NULL,
    remaining_minor INTEGER NOT NULL,
    src_updated_at  INTEGER NOT NULL,
    src_seq         INTEGER NOT NULL DEFAULT 0,
    content_hash    INTEGER NOT NULL DEFAULT 0,
    deleted         BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (source, external_id)
);
CREATE INDEX credit_memos_customer ON credit_memos (customer_id);

CREATE TABLE payments (
    id              INTEGER PRIMARY KEY,
    source          TEXT    NOT NULL,
    external_id     TEXT    NOT NULL,
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    received        TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    amount_minor    INTEGER NOT NULL,
    unapplied_minor INTEGER NOT NULL DEFAULT 0,
    method          TEXT,
    reference       TEXT,
    src_updated_at  INTEGER NOT NULL,
    src_seq         INTEGER NOT NULL DEFAULT 0,
    content_hash    INTEGER NOT NULL DEFAULT 0,
    deleted         BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (source, external_id)
);
CREATE INDEX payments_customer ON payments (customer_id, received);
CREATE INDEX payments_received ON payments (received);
CREATE INDEX payments_unapplied ON payments (customer_id) WHERE unapplied_minor <> 0;

-- A payment line: cash or a credit memo applied to an invoice. Replaced as a whole per payment.
CREATE TABLE applications (
    id                 INTEGER PRIMARY KEY,
    payment_id         INTEGER NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    line               INTEGER NOT NULL,
    source             TEXT    NOT NULL,
    invoice_ext        TEXT    NOT NULL,
    invoice_id         INTEGER REFERENCES invoices (id),
    credit_memo_ext    TEXT,
    applied_on         TEXT    NOT NULL,
    amount_minor       INTEGER NOT NULL,
    UNIQUE (payment_id, line)
);
CREATE INDEX applications_invoice ON applications (invoice_id, applied_on);
-- Rebuilding balances on a past date reads only what was applied after it.
CREATE INDEX applications_applied_on ON applications (applied_on);
CREATE INDEX applications_unresolved ON applications (source, invoice_ext) WHERE invoice_id IS NULL;

-- arbot's own collections record.
CREATE TABLE disputes (
    id          INTEGER PRIMARY KEY,
    invoice_id  INTEGER NOT NULL REFERENCES invoices (id),
    reason      TEXT    NOT NULL,
    detail      TEXT,
    opened_by   TEXT    NOT NULL,
    opened_at   TEXT    NOT NULL,
    resolved_at TEXT
);
CREATE INDEX disputes_invoice ON disputes (invoice_id);

CREATE TABLE notes (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    invoice_id  INTEGER REFERENCES invoices (id),
    kind        TEXT    NOT NULL DEFAULT 'note',
    body        TEXT    NOT NULL,
    author      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX notes_customer ON notes (customer_id, created_at);

CREATE TABLE promises (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    amount_minor INTEGER NOT NULL,
    currency     TEXT    NOT NULL,
    promised_for TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'open',
    created_by   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL
);
CREATE INDEX promises_customer ON promises (customer_id, promised_for);

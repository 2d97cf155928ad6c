-- The nightly reconcile: a source's open invoices listed and compared with arbot's. A run keeps
-- where its listing stands (the next page's cursor, and whether the listing is complete), what
-- the source listed, and each invoice it found drifted and repaired, so a run interrupted (a
-- daily allowance used up, a crash) resumes where it stopped. Each attempt is also a row of
-- sync_runs (the sync history), named by sync_run_id.
CREATE TABLE reconcile_runs (
    id           INTEGER PRIMARY KEY,
    source       TEXT    NOT NULL,
    sync_run_id  INTEGER NOT NULL,
    started_at   TEXT    NOT NULL,
    finished_at  TEXT,
    status       TEXT    NOT NULL DEFAULT 'running',
    cursor       TEXT,
    listed       BOOLEAN NOT NULL DEFAULT FALSE,
    detail       TEXT
);
CREATE INDEX reconcile_runs_source ON reconcile_runs (source, id);

-- What the source listed as open; dropped when the run finishes.
CREATE TABLE reconcile_listed (
    run_id        INTEGER NOT NULL REFERENCES reconcile_runs (id),
    external_id   TEXT    NOT NULL,
    number        TEXT    NOT NULL,
    currency      TEXT    NOT NULL,
    balance_minor INTEGER NOT NULL,
    PRIMARY KEY (run_id, external_id)
);

-- An invoice the run found drifted and repaired: how arbot held it before (NULL: not at all)
-- and after reading it again. Statuses as invoices.status.
CREATE TABLE reconcile_fixes (
    run_id        INTEGER NOT NULL REFERENCES reconcile_runs (id),
    external_id   TEXT    NOT NULL,
    number        TEXT    NOT NULL,
    currency      TEXT    NOT NULL,
    before_status TEXT,
    before_minor  INTEGER,
    after_status  TEXT    NOT NULL,
    after_minor   INTEGER NOT NULL,
    PRIMARY KEY (run_id, external_id)
);

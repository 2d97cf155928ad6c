-- Daily snapshots of the aging, by customer, job and PM, as it stood when the digest ran: trends
-- read what was known each day, so a backdated payment does not rewrite an old report. A day
-- arbot missed is rebuilt from the ledger and marked `rebuilt`.
CREATE TABLE aging_snapshot_days (
    day      TEXT    NOT NULL PRIMARY KEY,
    rebuilt  BOOLEAN NOT NULL,
    taken_at TEXT    NOT NULL,
    currency TEXT    NOT NULL,
    -- The bucket labels of the rows, joined by '|'.
    labels   TEXT    NOT NULL
);

CREATE TABLE aging_snapshots (
    day              TEXT    NOT NULL REFERENCES aging_snapshot_days (day),
    dimension        TEXT    NOT NULL,
    label            TEXT    NOT NULL,
    customer_id      INTEGER,
    -- Minor units per bucket, joined by ','.
    buckets          TEXT    NOT NULL,
    retainage_minor  INTEGER NOT NULL,
    total_minor      INTEGER NOT NULL,
    overdue_minor    INTEGER NOT NULL,
    overdue_90_minor INTEGER NOT NULL,
    disputed_minor   INTEGER NOT NULL,
    disputed_overdue_minor INTEGER NOT NULL,
    invoices         INTEGER NOT NULL,
    oldest_days      INTEGER NOT NULL,
    PRIMARY KEY (day, dimension, label)
);

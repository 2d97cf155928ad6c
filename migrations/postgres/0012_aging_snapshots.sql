-- Daily snapshots of the aging, by customer, job and PM, as it stood when the digest ran: trends
-- read what was known each day, so a backdated payment does not rewrite an old report. A day
-- arbot missed is rebuilt from the ledger and marked `rebuilt`.
CREATE TABLE aging_snapshot_days (
    day      DATE    NOT NULL PRIMARY KEY,
    rebuilt  BOOLEAN NOT NULL,
    taken_at TIMESTAMPTZ   NOT NULL,
    currency TEXT    NOT NULL,
    -- The bucket labels of the rows, joined by '|'.
    labels   TEXT    NOT NULL
);

CREATE TABLE aging_snapshots (
    day              DATE    NOT NULL REFERENCES aging_snapshot_days (day),
    dimension        TEXT    NOT NULL,
    label            TEXT    NOT NULL,
    customer_id      BIGINT,
    -- Minor units per bucket, joined by ','.
    buckets          TEXT    NOT NULL,
    retainage_minor  BIGINT NOT NULL,
    total_minor      BIGINT NOT NULL,
    overdue_minor    BIGINT NOT NULL,
    overdue_90_minor BIGINT NOT NULL,
    disputed_minor   BIGINT NOT NULL,
    disputed_overdue_minor BIGINT NOT NULL,
    invoices         BIGINT NOT NULL,
    oldest_days      BIGINT NOT NULL,
    PRIMARY KEY (day, dimension, label)
);

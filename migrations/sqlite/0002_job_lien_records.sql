-- Lien facts set from chat (they override what the accounting system says about a job) and
-- notices served or liens recorded, with tracking numbers.
CREATE TABLE job_facts (
    job_id  INTEGER NOT NULL REFERENCES jobs (id),
    fact    TEXT    NOT NULL,
    value   TEXT    NOT NULL,
    set_by  TEXT    NOT NULL,
    set_at  TEXT    NOT NULL,
    PRIMARY KEY (job_id, fact)
);

CREATE TABLE job_notices (
    id          INTEGER PRIMARY KEY,
    job_id      INTEGER NOT NULL REFERENCES jobs (id),
    kind        TEXT    NOT NULL,
    served_on   TEXT    NOT NULL,
    tracking    TEXT,
    recorded_by TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL
);
CREATE INDEX job_notices_job ON job_notices (job_id, served_on);

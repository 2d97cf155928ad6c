-- Preliminary notices and Notices to Owner drafted for a job (`/ar nto <job>`): each draft as it
-- was drawn, its form and the rule it meets, and its PDF, so the notice that was mailed can be
-- shown again. Serving it is recorded as before, in job_notices (`/ar notice <job> nto <date>`).
CREATE TABLE notice_drafts (
    id          BIGSERIAL   PRIMARY KEY,
    job_id      BIGINT      NOT NULL REFERENCES jobs (id),
    customer_id BIGINT      NOT NULL REFERENCES customers (id),
    kind        TEXT        NOT NULL,
    rule        TEXT        NOT NULL,
    form        TEXT        NOT NULL,
    month       TEXT,
    document    TEXT        NOT NULL,
    drafted_on  DATE        NOT NULL,
    due         DATE        NOT NULL,
    file_name   TEXT        NOT NULL,
    pdf         BYTEA       NOT NULL,
    drafted_by  TEXT        NOT NULL,
    drafted_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX notice_drafts_job ON notice_drafts (job_id, id);

-- What arbot does on its own in chat: scheduled runs, the outbox of posts, escalation threads.

-- One row per (job, occurrence): the unique key makes each scheduled run happen once, across
-- restarts and across instances. A run whose claim is older than its lease may be taken over.
CREATE TABLE scheduled_runs (
    id            INTEGER PRIMARY KEY,
    job           TEXT    NOT NULL,
    scheduled_for TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'running',
    claimed_by    TEXT    NOT NULL,
    claimed_at    TEXT    NOT NULL,
    finished_at   TEXT,
    detail        TEXT,
    UNIQUE (job, scheduled_for)
);
CREATE INDEX scheduled_runs_job ON scheduled_runs (job, scheduled_for);

-- Posts wait here with an idempotency key until they are delivered. Writing a post twice with
-- the same key is a no-op, and a post is marked sent only with where it landed.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    key             TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    claimed_by      TEXT,
    claimed_at      TEXT,
    last_error      TEXT,
    result          TEXT,
    created_at      TEXT    NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_waiting ON outbox (next_attempt_at) WHERE status IN ('pending', 'sending');

-- An account (or one of its jobs) handed to a person: the alert in the AR channel, the thread
-- opened from it, and who acknowledged, snoozed or resolved it.
CREATE TABLE escalations (
    id                INTEGER PRIMARY KEY,
    customer_id       INTEGER NOT NULL REFERENCES customers (id),
    job_id            INTEGER REFERENCES jobs (id),
    title             TEXT    NOT NULL,
    reason            TEXT    NOT NULL,
    pm                TEXT,
    status            TEXT    NOT NULL DEFAULT 'open',
    opened_by         TEXT    NOT NULL,
    opened_at         TEXT    NOT NULL,
    channel_id        TEXT,
    message_id        TEXT,
    thread_id         TEXT,
    thread_message_id TEXT,
    acked_by          TEXT,
    acked_at          TEXT,
    snoozed_until     TEXT,
    resolved_by       TEXT,
    resolved_at       TEXT
);
-- One open escalation per account, or per job of an account.
CREATE UNIQUE INDEX escalations_open ON escalations (customer_id, COALESCE(job_id, 0)) WHERE status <> 'resolved';

-- Every click on an escalation, once: Discord may deliver an interaction twice.
CREATE TABLE escalation_events (
    id             INTEGER PRIMARY KEY,
    escalation_id  INTEGER NOT NULL REFERENCES escalations (id),
    action         TEXT    NOT NULL,
    actor_id       TEXT    NOT NULL,
    actor_name     TEXT    NOT NULL,
    at             TEXT    NOT NULL,
    interaction_id TEXT    UNIQUE
);
CREATE INDEX escalation_events_escalation ON escalation_events (escalation_id, at);

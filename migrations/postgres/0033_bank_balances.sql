-- The minimum-float watch's bank balances: each account's latest balance, one row per account
-- name (trimmed, lower-cased), read from an accounting system on each sync or set from chat;
-- the newest reading or setting of an account replaces the one before.
CREATE TABLE bank_balances (
    account_key   TEXT        NOT NULL PRIMARY KEY,
    account       TEXT        NOT NULL,
    source        TEXT        NOT NULL,
    currency      TEXT        NOT NULL,
    balance_minor BIGINT      NOT NULL,
    as_of         DATE        NOT NULL,
    set_by        TEXT,
    recorded_at   TIMESTAMPTZ NOT NULL
);

-- A source's connection to its accounting system: OAuth tokens sealed with ARBOT_SECRET_KEY (the
-- database never holds them in the clear), a version bumped on every save so two writers cannot
-- both replace the same tokens, and where the connection stands (ok, needs_reconnect,
-- rate_limited until retry_at) for the scheduler and /ar sync.
CREATE TABLE connections (
    source        TEXT    PRIMARY KEY,
    kind          TEXT    NOT NULL DEFAULT '',
    sealed_tokens BLOB,
    token_version INTEGER NOT NULL DEFAULT 0,
    status        TEXT    NOT NULL DEFAULT 'ok',
    detail        TEXT,
    retry_at      TEXT,
    updated_at    TEXT    NOT NULL
);

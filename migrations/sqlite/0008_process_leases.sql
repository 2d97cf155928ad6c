-- Which process started a sync run (host/pid/nonce), so a run whose process died is marked
-- interrupted instead of staying 'running'; and the lease on refreshing a connection's tokens,
-- so two processes never spend the same refresh token (holder, and until when in unix ms).
ALTER TABLE sync_runs ADD COLUMN owner TEXT;
ALTER TABLE connections ADD COLUMN refresh_holder TEXT;
ALTER TABLE connections ADD COLUMN refresh_until BIGINT;

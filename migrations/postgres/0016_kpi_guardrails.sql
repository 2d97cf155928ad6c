-- KPI guardrails: whether each one (the 90+ share, the DSO rise, the CEI floor) stands breached,
-- and how many times it has crossed or recovered. `seq` numbers the transitions: each is posted
-- under its number, so a crossing or a recovery is posted once across restarts and instances.
CREATE TABLE kpi_guardrails (
    guardrail  TEXT        NOT NULL PRIMARY KEY,
    breached   BOOLEAN     NOT NULL,
    seq        BIGINT      NOT NULL,
    changed_on DATE        NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);

-- Payment plans: a total paid in installments. Like promises, whether an installment was kept is
-- derived from the cash applied (core::collections::PaymentPlan::outcomes), never stored; `status`
-- records only what a person did (open or cancelled).
CREATE TABLE payment_plans (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    total_minor  INTEGER NOT NULL,
    currency     TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'open',
    created_by   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    note         TEXT,
    cancelled_by TEXT,
    cancelled_at TEXT
);
CREATE INDEX payment_plans_customer ON payment_plans (customer_id);

CREATE TABLE plan_installments (
    plan_id      INTEGER NOT NULL REFERENCES payment_plans (id),
    seq          INTEGER NOT NULL,
    due_on       TEXT    NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (plan_id, seq)
);
CREATE INDEX plan_installments_due ON plan_installments (due_on);


-- Email to customers: the billing contact arbot writes to (from the accounting system or set in
-- chat; one row per customer), and holds that keep reminders away from an account until a day.
CREATE TABLE customer_contacts (
    customer_id INTEGER PRIMARY KEY REFERENCES customers (id),
    email       TEXT,
    address     TEXT,
    source      TEXT    NOT NULL,
    set_by      TEXT    NOT NULL,
    set_at      TEXT    NOT NULL
);

CREATE TABLE reminder_holds (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    until       TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    set_by      TEXT    NOT NULL,
    set_at      TEXT    NOT NULL
);
CREATE INDEX reminder_holds_customer ON reminder_holds (customer_id, until);

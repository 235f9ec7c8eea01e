-- Which server instance runs the alert rounds, and until when (unix seconds). One row. The
-- instance that holds it renews it each round; another takes it over once it has run out,
-- so when several instances share the database exactly one judges the alerts.
CREATE TABLE alert_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

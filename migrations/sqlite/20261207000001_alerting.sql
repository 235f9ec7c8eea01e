-- Alerting (architecture.md, "Alerting"): the rules, where each alert stands, what happened
-- to alerts, and every notification's delivery. Times are unix seconds. Rules and states are
-- JSON read by the server's own types (app::model::alert_rules, app::model::alerts), so a
-- rule's shape can grow without a migration.
CREATE TABLE alert_rules (
    id TEXT PRIMARY KEY,
    definition TEXT NOT NULL, -- an AlertRule as JSON
    updated_at INTEGER NOT NULL,
    updated_by TEXT -- the admin's email; NULL for the seed rules
) STRICT;

-- One row per rule and label set (the route, or '' for a rule over all requests).
CREATE TABLE alert_states (
    rule_id TEXT NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    labels TEXT NOT NULL,
    state TEXT NOT NULL, -- an AlertState as JSON
    value REAL, -- the metric at the last evaluation
    evaluated_at INTEGER NOT NULL,
    PRIMARY KEY (rule_id, labels)
) STRICT;

-- What happened: pending, firing, resolved, no data, error, acknowledged, silenced.
CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    rule_id TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    labels TEXT NOT NULL,
    severity TEXT NOT NULL,
    kind TEXT NOT NULL,
    value REAL,
    message TEXT NOT NULL
) STRICT;

CREATE INDEX alert_events_by_time ON alert_events (at);

-- Each notification to each channel. In-app and log are sent in the round that made them;
-- webhook, Slack and email wait as 'pending' for the deliverer, which retries with backoff
-- (next_attempt_at) and ends 'sent' or 'failed'; 'skipped' when the channel is not configured.
CREATE TABLE alert_deliveries (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    rule_id TEXT NOT NULL,
    labels TEXT NOT NULL,
    notice TEXT NOT NULL, -- firing, repeat, resolved, escalation, test
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    detail TEXT NOT NULL, -- the text sent, or why it failed
    payload TEXT, -- the notification as JSON, for the outbound channels
    next_attempt_at INTEGER -- when a pending delivery is tried next
) STRICT;

CREATE INDEX alert_deliveries_by_time ON alert_deliveries (at);
CREATE INDEX alert_deliveries_due ON alert_deliveries (status, next_attempt_at);

-- Silences: while one matches an alert (its rule, its route, or both), the alert still
-- changes state but sends nothing. Ending a silence early sets ends_at to that time.
CREATE TABLE alert_silences (
    id TEXT PRIMARY KEY,
    rule_id TEXT, -- NULL: any rule
    labels TEXT, -- NULL: any route
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    comment TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX alert_silences_by_end ON alert_silences (ends_at);

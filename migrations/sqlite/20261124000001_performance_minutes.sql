-- Request statistics per closed minute, per route ('*' = all requests) and per server
-- instance, for charts over the last 7 days (older rows are pruned by the server).
CREATE TABLE performance_minutes (
    route TEXT NOT NULL,
    minute INTEGER NOT NULL, -- unix seconds of the minute's start
    instance TEXT NOT NULL,
    requests INTEGER NOT NULL,
    server_errors INTEGER NOT NULL,
    client_errors INTEGER NOT NULL,
    mean_ms REAL NOT NULL,
    p50_ms REAL NOT NULL,
    p95_ms REAL NOT NULL,
    p99_ms REAL NOT NULL,
    max_ms REAL NOT NULL,
    PRIMARY KEY (route, minute, instance)
) STRICT;

CREATE INDEX performance_minutes_by_minute ON performance_minutes (minute);

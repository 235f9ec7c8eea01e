-- Request statistics per closed minute, per route ('*' = all requests) and per server
-- instance, for charts over the last 7 days (older rows are pruned by the server).
CREATE TABLE performance_minutes (
    route TEXT NOT NULL,
    minute BIGINT NOT NULL, -- unix seconds of the minute's start
    instance TEXT NOT NULL,
    requests BIGINT NOT NULL,
    server_errors BIGINT NOT NULL,
    client_errors BIGINT NOT NULL,
    mean_ms DOUBLE PRECISION NOT NULL,
    p50_ms DOUBLE PRECISION NOT NULL,
    p95_ms DOUBLE PRECISION NOT NULL,
    p99_ms DOUBLE PRECISION NOT NULL,
    max_ms DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (route, minute, instance)
);

CREATE INDEX performance_minutes_by_minute ON performance_minutes (minute);

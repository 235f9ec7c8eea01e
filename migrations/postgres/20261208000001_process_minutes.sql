-- The process and its read caches per minute and per server instance, for the monitoring
-- dashboard's memory, CPU and cache charts over the last 7 days (older rows are pruned).
CREATE TABLE process_minutes (
    minute BIGINT NOT NULL, -- unix seconds of the minute's start
    instance TEXT NOT NULL,
    resident_memory_bytes BIGINT,
    cpu_percent DOUBLE PRECISION, -- of one core, over the minute
    cache_hits BIGINT NOT NULL, -- lookups answered by a cache during the minute
    cache_misses BIGINT NOT NULL,
    PRIMARY KEY (minute, instance)
);

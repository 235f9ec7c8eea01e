-- The process and its read caches per minute and per server instance, for the monitoring
-- dashboard's memory, CPU and cache charts over the last 7 days (older rows are pruned).
CREATE TABLE process_minutes (
    minute INTEGER NOT NULL, -- unix seconds of the minute's start
    instance TEXT NOT NULL,
    resident_memory_bytes INTEGER,
    cpu_percent REAL, -- of one core, over the minute
    cache_hits INTEGER NOT NULL, -- lookups answered by a cache during the minute
    cache_misses INTEGER NOT NULL,
    PRIMARY KEY (minute, instance)
) STRICT;

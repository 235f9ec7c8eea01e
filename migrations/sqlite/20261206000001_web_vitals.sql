-- Core Web Vitals of real users' page views (POST /api/v1/vitals), kept 7 days and at most
-- 200,000 rows (pruned by the server), summarized at p75 per route and device class.
CREATE TABLE web_vitals (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL, -- unix seconds the beacon was received
    metric TEXT NOT NULL, -- LCP, CLS, INP, FCP, TTFB, FID
    value REAL NOT NULL, -- milliseconds; a score for CLS
    route TEXT NOT NULL, -- the route template, never an address
    device TEXT NOT NULL, -- mobile, tablet, desktop
    connection TEXT,
    navigation TEXT,
    app_version TEXT NOT NULL
) STRICT;

CREATE INDEX web_vitals_by_time ON web_vitals (at);

-- Logging a visit rewrites its account's row (`last_interaction_at` is indexed, so the update
-- cannot be HOT), which adds the new row version to every index of the table, the four trigram
-- indexes included. Two things then slowed a rep's search until a vacuum, at 100k accounts after
-- 16,000 visits logged to 19 accounts (pgbench, the search of `make bench-load`): 3.0 → 11.7 ms.
-- - GIN's pending list (fastupdate): each new version is queued unsorted, up to 4 MB per index,
--   and every search reads the whole queue. Off here, a visit's update adds its entries in place
--   (0.3 ms more a visit, measured); searches no longer depend on how many visits came lately.
--   11.7 → 7.1 ms in the test above; the last 4 ms are the old row versions of the next point.
-- - The old row versions stay in the indexes until a vacuum; autovacuum waits for 20 % of the
--   table (20,000 accounts at 100k) by default, so a busy team's searches could walk through
--   thousands of them. 2 % keeps a vacuum within a couple of thousand visits.
ALTER INDEX organizations_name_trgm_idx SET (fastupdate = off);
ALTER INDEX organizations_place_trgm_idx SET (fastupdate = off);
ALTER INDEX organizations_email_trgm_idx SET (fastupdate = off);
ALTER INDEX organizations_phone_trgm_idx SET (fastupdate = off);
-- What is already queued stays queued until flushed.
SELECT gin_clean_pending_list(index) FROM unnest(ARRAY[
    'organizations_name_trgm_idx', 'organizations_place_trgm_idx',
    'organizations_email_trgm_idx', 'organizations_phone_trgm_idx']::regclass[]) AS index;
ALTER TABLE organizations SET (autovacuum_vacuum_scale_factor = 0.02);

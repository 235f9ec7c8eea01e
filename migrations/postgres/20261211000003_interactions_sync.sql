-- A rep's offline copy reads their interactions account by account, in update order from its
-- cursor (app/src/store/sync.rs). Deleted rows included: the copy must hear of deletions,
-- which the partial indexes on live interactions leave out. Without it PostgreSQL walked all
-- interactions in update order and read ~200,000 rows for a page of 500 at 100k accounts.
-- (SQLite answers a delta pull in ~4 ms without it: make bench-load.)
CREATE INDEX interactions_sync_idx ON interactions (organization_id, updated_at, id);

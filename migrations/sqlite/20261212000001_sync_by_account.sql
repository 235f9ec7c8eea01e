-- A rep's offline copy, far behind (a first copy, a phone back after days), reads the rows
-- under their accounts account by account, in update order from its cursor
-- (app/src/store/sync.rs names these indexes). Deleted rows included: the copy must hear of
-- deletions, which the partial indexes on live rows leave out. Without them SQLite walked
-- every contact, deal and interaction in update order for each page of 500: a rep's first
-- copy took 51 s at 100k accounts (its statements alone: 3.4 s with them).
CREATE INDEX contacts_sync_idx ON contacts (organization_id, updated_at, id);
CREATE INDEX interactions_sync_idx ON interactions (organization_id, updated_at, id);
CREATE INDEX opportunities_sync_idx ON opportunities (organization_id, updated_at, id);

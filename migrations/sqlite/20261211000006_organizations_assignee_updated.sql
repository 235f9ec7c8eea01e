-- A rep's organizations by when they changed, so a delta pull's check for changes held back
-- (`assigned_user_id = … AND updated_at > …`) and a copy's organizations read the rep's
-- recent rows directly. SQLite read all 5,000 of the seeded rep's organizations for that
-- check (17 ms a pull at 100k, against 0.1 ms). It still covers the offline copy's scope
-- (`SELECT id FROM organizations WHERE assigned_user_id = …`), so it replaces the index of
-- 20261209000001 rather than adding a second one to every write.
DROP INDEX organizations_assignee_idx;
CREATE INDEX organizations_assignee_idx ON organizations (assigned_user_id, updated_at, id);

-- Every organization of a rep, deleted ones included: the offline copy's scope
-- (`organization_id IN (SELECT id FROM organizations WHERE assigned_user_id = …)`) must see
-- deletions too, which the partial indexes on live organizations leave out. Without it each
-- delta pull scanned all organizations once per table (make bench-load, at 100k).
CREATE INDEX organizations_assignee_idx ON organizations (assigned_user_id, id);
